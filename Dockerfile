# One image for the web service and the notifier worker (compose.yaml runs both):
#   web:    gunicorn -c gunicorn_config.py wsgi:app   (the default command)
#   worker: python -m movie_lottery.worker
# BASE can be swapped for any Debian-like image with python3 and its venv module.
ARG BASE=python:3.11-slim-bookworm

# Build stage: the virtualenv and the compiled translations. Nothing of pip's cache or of
# the source tree beyond what .dockerignore lets in reaches the final image.
FROM ${BASE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-compile -r /tmp/requirements.txt \
 && /opt/venv/bin/pip uninstall -y -q pip setuptools
COPY . /app
# Babel's date and number formats are kept for the site's own languages only (30 MB less).
RUN /opt/venv/bin/pybabel -q compile -d /app/movie_lottery/translations \
 && find /app/movie_lottery/translations -name '*.po' -delete \
 && languages=" root $(ls /app/movie_lottery/translations | tr '\n' ' ')" \
 && for data in /opt/venv/lib/python3*/site-packages/babel/locale-data/*.dat; do \
      name=${data##*/}; case "$languages" in *" ${name%%[_.]*} "*) ;; *) rm "$data" ;; esac; \
    done \
 && /opt/venv/bin/python -m compileall -q -j 0 /opt/venv /app

FROM ${BASE}
# An unprivileged user; the code stays owned by root, read-only to it. Its home holds only
# gunicorn's control socket.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/app --shell /usr/sbin/nologin app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8000
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER app
EXPOSE 8000
# /health does no I/O (movie_lottery/web/health/); the image has no curl, Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["gunicorn", "-c", "gunicorn_config.py", "wsgi:app"]
