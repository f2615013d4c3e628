"""Which passwords are accepted (OWASP ASVS 2.1): at least 12 characters, any characters, no
composition rule; refused if easy to guess.

"Easy to guess" is zxcvbn's estimate (its lists of common passwords, names and words ship with the
package: no network call): a score under 3 means under about 10⁸ guesses — common passwords and
their variants ("password1234"), keyboard walks ("azertyuiopqs"), or the person's own name or email.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

from ..translation import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 256  # hashing cost grows with the length; zxcvbn reads the first 100 characters
STRONG_ENOUGH = 3


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why `password` cannot be used, in the user's language; None when it can."""
    if len(password) < MIN_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("The password must have at most %(n)d characters.", n=MAX_LENGTH)
    personal = [part for part in (email, email.split("@")[0], *name.split()) if part]
    if zxcvbn(password[:100], user_inputs=personal)["score"] < STRONG_ENOUGH:
        return _(
            "This password is too easy to guess: it is, or is close to, a common password, a keyboard "
            "pattern or your own name. A few unrelated words make a strong one."
        )
    return None
