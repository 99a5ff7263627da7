"""The access log's key: HMAC-SHA256 over each entry and each checkpoint, never in the database.

The key comes from ``VIGIL_AUDIT_KEY`` (at least 32 characters), or else from the file named by
``VIGIL_AUDIT_KEY_FILE`` (default ``audit.key`` in the data folder). That file is made on first
use with 32 random bytes (hex) and permissions 0600; a key file that others may read is refused.
Someone who can change the database but cannot read the key cannot write an entry, or a whole
chain, that ``vigil audit-log verify`` accepts (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from vigil.paths import data_dir

MIN_KEY_CHARS = 32


class AuditKeyError(RuntimeError):
    """The key is missing, too short, or its file is unsafe."""


@dataclass(frozen=True)
class AuditKey:
    secret: bytes
    source: str  # where it came from, for messages (never the key itself)

    @property
    def key_id(self) -> str:
        """Names the key in each entry without revealing it (an HMAC of a fixed text)."""
        return self.sign(b"vigil audit key id")[:16]

    def sign(self, body: bytes) -> str:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()


def key_file() -> Path:
    return Path(os.environ.get("VIGIL_AUDIT_KEY_FILE") or data_dir() / "audit.key")


_cache: dict[tuple[str, str], AuditKey] = {}


def current() -> AuditKey:
    """The configured key (made in its file on first use when none is configured)."""
    text = os.environ.get("VIGIL_AUDIT_KEY", "")
    path = "" if text else str(key_file())
    cached = _cache.get((text, path))
    if cached is not None:
        return cached
    key = _from_text(text, "VIGIL_AUDIT_KEY") if text else _from_file(Path(path))
    _cache[(text, path)] = key
    return key


def _from_text(text: str, source: str) -> AuditKey:
    text = text.strip()
    if len(text) < MIN_KEY_CHARS:
        raise AuditKeyError(
            f"the audit-log key in {source} is shorter than {MIN_KEY_CHARS} characters"
        )
    return AuditKey(text.encode(), source)


def _from_file(path: Path) -> AuditKey:
    if not path.exists():
        _create(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuditKeyError(
            f"the audit-log key file {path} may be read by others "
            f"(permissions {stat.filemode(mode)}); make it 0600: chmod 600 {path}"
        )
    return _from_text(path.read_text(), str(path))


def _create(path: Path) -> None:
    """Write a new random key to ``path``, atomically: two processes starting together get one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with suppress(FileExistsError):  # another process made it first: theirs is kept
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
