"""The baseline: a bare WSGI "hello" app, served by the same gunicorn command as the site."""


def app(environ, start_response):
    body = b"hello"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
