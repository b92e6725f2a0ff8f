"""The integrations' exceptions, importable without their network libraries: web/ and
services/ catch these even in processes where the integration is switched off."""


class KinopoiskError(Exception):
    """code: unauthorized | quota | rate_limited | unavailable | bad_response"""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class QbitError(Exception):
    code = "qbittorrent_error"


class QbitUnavailable(QbitError):
    code = "qbittorrent_unavailable"


class QbitAuthError(QbitError):
    code = "qbittorrent_auth"
