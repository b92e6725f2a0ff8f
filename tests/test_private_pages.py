"""Pages rendered for the admin are kept nowhere (`Cache-Control: private, no-store`, which the
service worker refuses to store); a visitor's pages stay keepable; log-out clears the browser's
cache of the site (`Clear-Site-Data: "cache"`)."""

from __future__ import annotations

from .helpers import ADMIN_PASSWORD, csrf_token_from


def test_the_admins_pages_are_no_store_and_a_visitors_are_not(sqlite_app):
    client = sqlite_app().test_client()
    made = client.post("/api/lotteries", json={"title": "Пятница", "entries": [{"title": "a"}, {"title": "b"}]})
    path = f"/l/{made.get_json()['id']}"
    for page in ("/", path, "/nights"):
        assert "no-store" not in client.get(page).headers.get("Cache-Control", ""), page
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    assert client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token}).status_code == 302
    for page in ("/", path, "/nights", "/library"):
        response = client.get(page)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store", page
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    logged_out = client.post("/admin/logout", data={"csrf_token": token})
    assert logged_out.status_code == 302 and logged_out.headers["Clear-Site-Data"] == '"cache"'
    assert "no-store" not in client.get(path).headers.get("Cache-Control", "")


def test_the_service_worker_refuses_no_store_and_forgets_pages_on_log_out(sqlite_app):
    script = sqlite_app().test_client().get("/sw.js").get_data(as_text=True)
    assert (
        'const LOG_OUT = "/admin/logout";' in script and "no-store" in script and "NETWORK_TIMEOUT_MS = 4000" in script
    )
