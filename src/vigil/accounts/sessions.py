"""What accounts keep in a signed-in session. The web shell's middleware reads it to end a session
after its absolute limit; it lives here, with the sign-in that writes it, so the web shell depends
on accounts and never the other way."""

from __future__ import annotations

# When the session signed in (seconds since the epoch), written at sign-in.
SIGNED_IN_AT = "vigil_signed_in_at"
