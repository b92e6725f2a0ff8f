"""Torrents of library films: validating magnet links and .torrent files (magnets), attaching
them to films, sending them to qBittorrent and following their status (downloads)."""
