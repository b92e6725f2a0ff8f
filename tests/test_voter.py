"""The voter's device id (web/polls/voter.py)."""

from movie_lottery.web.polls.voter import current_device, current_member


def test_asking_for_the_device_creates_it_even_after_a_read_only_look(app):
    """current_member() only reads the cookie; a later current_device() in the same request must
    still give the new visitor a device id (and its cookie), not the None the read left behind."""
    with app.test_request_context("/"):
        assert current_member() is None
        assert current_device(create=False) is None
        device = current_device()
        assert isinstance(device, str) and device
        assert current_device() == device
