"""Problems found by trying the site as a new user (QA pass after issues 10, 12 and 14)."""
import html as html_lib

from .helpers import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def create(client, *titles, **body):
    response = client.post("/api/lotteries", json={"entries": [{"title": t} for t in titles], **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_deleting_an_untitled_lottery_does_not_say_lottery_twice(admin_client, admin_csrf):
    created = create(admin_client, "One", "Two")
    confirm = html_lib.unescape(admin_client.get(f"/admin/lotteries/{created['id']}/delete").get_data(as_text=True))
    assert f"Удалить лотерею «{created['id']}»?" in confirm
    done = admin_client.post(f"/admin/lotteries/{created['id']}/delete", data={"csrf_token": admin_csrf}, follow_redirects=True)
    page = html_lib.unescape(done.get_data(as_text=True))
    assert f"Лотерея «{created['id']}» удалена." in page
    assert "«Лотерея " not in page + confirm


def test_deleting_a_titled_lottery_names_it(admin_client, admin_csrf):
    created = create(admin_client, "One", "Two", title="Пятница")
    done = admin_client.post(f"/admin/lotteries/{created['id']}/delete", data={"csrf_token": admin_csrf}, follow_redirects=True)
    assert "Лотерея «Пятница» удалена." in html_lib.unescape(done.get_data(as_text=True))
