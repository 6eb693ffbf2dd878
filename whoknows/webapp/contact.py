"""How to reach a person, from the directory's declared contact fields: e-mail (``mailto:``), phone (``tel:``)
and chat (an instant-messaging handle, or a deep link built from the organisation's chat template).

These are the only person links the app draws (design principle 8): each URL is built here from a field the
directory declares for that purpose, percent-encoded, with a scheme from :data:`LINK_SCHEMES`; labels are
escaped with :func:`whoknows.webapp.text.md`. A value that does not look like what its field promises (an
e-mail address with spaces, a phone number with letters) is shown as text, never as a link.

The chat template (``[whoknows] chat_link`` in ``.streamlit/secrets.toml`` or ``WHOKNOWS_CHAT_LINK``) is
written by an administrator, e.g. ``https://teams.microsoft.com/l/chat/0/0?users={email}`` (Microsoft Teams) or
``slack://user?team=T0123&id={im}`` (Slack). Placeholders: ``{email}``, ``{im}``, ``{user_name}``,
``{person_id}``; each is percent-encoded when filled in. Nothing is fetched: a link is only followed when a
person clicks it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from string import Formatter
from typing import Any
from urllib.parse import quote, urlencode

from whoknows.errors import ConfigError
from whoknows.webapp.text import md

#: Schemes a contact link may have. ``javascript:``, ``data:``, ``file:`` and the like never become links.
LINK_SCHEMES = ("mailto", "tel", "https", "http", "msteams", "slack", "sip", "sips", "xmpp", "im", "skype")
TEMPLATE_FIELDS = ("email", "im", "user_name", "person_id")

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,32}$")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True, slots=True)
class Link:
    """A link to draw: its visible text (plain, not yet escaped) and a checked URL."""

    label: str
    url: str

    def markdown(self) -> str:
        """``[label](<url>)``: the label escaped, the URL in angle brackets (percent-encoded: no ``<>`` or spaces)."""
        return f"[{md(self.label)}](<{self.url}>)"


def scheme_of(url: str) -> str | None:
    m = _SCHEME.match(url)
    return m.group(1).lower() if m else None


def safe_url(url: Any, schemes: Sequence[str] = LINK_SCHEMES) -> str | None:
    """``url`` when it is an absolute URL with an allowed scheme and nothing that would break out of a
    Markdown link or an HTML attribute; None otherwise."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > 2048 or any(c.isspace() or c in '<>"\\`' or ord(c) < 32 for c in url):
        return None
    scheme = scheme_of(url)
    if scheme is None or scheme not in schemes:
        return None
    if scheme in ("http", "https") and not url.lower().startswith(f"{scheme}://"):
        return None
    return url


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and len(value) <= 254


def mailto(to: Sequence[str], *, subject: str | None = None, body: str | None = None) -> str:
    """A ``mailto:`` URL (RFC 6068) for valid addresses, with the subject and body percent-encoded."""
    addrs = [a for a in to if is_email(a)]
    url = "mailto:" + ",".join(quote(a, safe="@") for a in addrs)
    params = {k: v for k, v in (("subject", subject), ("body", body)) if v}
    if params:
        url += "?" + urlencode(params, quote_via=quote)
    return url


def tel(number: str) -> str | None:
    """``tel:`` URL for a phone number as directories write it (``+44 20 7946 0000``), or None."""
    if not _PHONE.match(number.strip()):
        return None
    digits = re.sub(r"[ ()./-]", "", number.strip())
    return f"tel:{digits}" if sum(c.isdigit() for c in digits) >= 3 else None


def check_chat_template(template: str) -> str:
    """The administrator's chat deep-link template, or a ConfigError that says what would be valid."""
    template = template.strip()
    scheme = scheme_of(template)
    if scheme not in LINK_SCHEMES or scheme in ("mailto", "tel"):
        allowed = ", ".join(s for s in LINK_SCHEMES if s not in ("mailto", "tel"))
        raise ConfigError(
            f"chat link template {template!r} has scheme {scheme!r}; expected a URL template starting with one of: "
            f"{allowed} (e.g. https://teams.microsoft.com/l/chat/0/0?users={{email}})"
        )
    try:
        names = [f for _, f, _, _ in Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"chat link template {template!r} is not a valid template: {exc}") from None
    bad = [n for n in names if n not in TEMPLATE_FIELDS]
    if bad or not names:
        raise ConfigError(
            f"chat link template {template!r} uses {', '.join(map(repr, bad)) or 'no placeholder'}; "
            f"expected one or more of: {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}"
        )
    return template


def chat_template(secrets: Mapping[str, Any], env: Mapping[str, str] | None = None) -> str | None:
    """``WHOKNOWS_CHAT_LINK`` or ``[whoknows] chat_link`` from secrets (checked), or None when not configured."""
    env = os.environ if env is None else env
    value = env.get("WHOKNOWS_CHAT_LINK")
    if not value:
        try:
            section = secrets.get("whoknows") or {}
            value = section.get("chat_link")
        except Exception:  # st.secrets raises when there is no secrets file at all
            value = None
    return check_chat_template(str(value)) if value else None


PHOTO_TYPES = ("png", "jpeg", "gif", "webp")
MAX_PHOTO_BYTES = 512 << 10
_DATA_URI = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/=\s]+)$")


def photo_bytes(value: Any) -> bytes | None:
    """A picture the directory carries inline (``data:image/png;base64,...``, at most 512 kB), as bytes the app
    serves itself; None for anything else. A photo URL on another host is not drawn unless an administrator
    allows it (``remote_photos``): the browser would fetch it from that host whenever a profile is opened."""
    import base64
    import binascii

    if not isinstance(value, str) or len(value) > MAX_PHOTO_BYTES * 4 // 3 + 64:
        return None
    m = _DATA_URI.match(value.strip())
    if not m:
        return None
    try:
        data = base64.b64decode(m.group(2), validate=False)
    except (binascii.Error, ValueError):
        return None
    return data if 0 < len(data) <= MAX_PHOTO_BYTES else None


@dataclass(frozen=True, slots=True)
class Contact:
    """What the directory declares about reaching a person."""

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    ims: tuple[tuple[str, str], ...] = ()  # (type, handle): ("teams", "ada@x.org"), ("slack", "U123")
    user_name: str | None = None
    person_id: str | None = None

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> Contact:
        def strings(key: str) -> tuple[str, ...]:
            values = props.get(key) or ()
            return tuple(str(v).strip() for v in values if isinstance(v, str) and v.strip())

        ims = []
        for entry in props.get("ims") or ():
            if isinstance(entry, list | tuple) and len(entry) == 2 and all(isinstance(x, str) for x in entry):
                ims.append((entry[0].strip().lower(), entry[1].strip()))
            elif isinstance(entry, Mapping) and isinstance(entry.get("value"), str):
                ims.append((str(entry.get("type") or "").strip().lower(), str(entry["value"]).strip()))
        return cls(
            emails=strings("emails"),
            phones=strings("phones"),
            ims=tuple((t, v) for t, v in ims if v),
            user_name=props.get("user_name") if isinstance(props.get("user_name"), str) else None,
            person_id=props.get("person_id") if isinstance(props.get("person_id"), str) else None,
        )

    def chat_link(self, template: str | None) -> str | None:
        """The template filled in for this person, or None when a placeholder it needs has no value here."""
        if not template:
            return None
        values = {
            "email": next((e for e in self.emails if is_email(e)), None),
            "im": self.ims[0][1] if self.ims else None,
            "user_name": self.user_name,
            "person_id": self.person_id,
        }
        needed = {f for _, f, _, _ in Formatter().parse(template) if f}
        if any(not values.get(f) for f in needed):
            return None
        url = template.format(**{f: quote(str(values[f]), safe="@") for f in needed})
        return safe_url(url)

    def links(self, chat_template: str | None = None) -> list[Link]:
        """E-mail, phone and chat links in that order (each address or number once)."""
        out = [Link(e, mailto([e])) for e in self.emails if is_email(e)]
        for p in self.phones:
            url = tel(p)
            if url:
                out.append(Link(p, url))
        chat = self.chat_link(chat_template)
        if chat:
            out.append(Link("Chat", chat))
        return out

    def unlinked(self, chat_template: str | None = None) -> list[str]:
        """What the directory declares that is not a link: IM handles without a template, values that did not
        check out as addresses or numbers. Shown as text so nothing is silently dropped."""
        out = [e for e in self.emails if not is_email(e)]
        out += [p for p in self.phones if tel(p) is None]
        if not self.chat_link(chat_template):
            out += [f"{t or 'chat'}: {v}" for t, v in self.ims]
        return out

    def markdown(self, chat_template: str | None = None, *, sep: str = " · ") -> str:
        """One line: links, then anything declared but not linkable, as text ("" when nothing is declared)."""
        parts = [link.markdown() for link in self.links(chat_template)]
        parts += [md(x) for x in self.unlinked(chat_template)]
        return sep.join(parts)
