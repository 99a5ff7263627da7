"""``vigil serve``: the web application under gunicorn, not Django's development server."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from vigil.wsgi import application


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return application


def serve(host: str, port: int, workers: int = 2) -> None:
    print(f"Vigil is serving on http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": 4,
            "worker_class": "gthread",
            "timeout": 60,
            "accesslog": None,  # who saw what goes to the audit log, not to a file of URLs
            "errorlog": "-",
            "loglevel": "warning",
        }
    ).run()
