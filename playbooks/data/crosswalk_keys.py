"""The keys an account is known by across systems: normalised names, domains, Salesforce ids.

Pure functions over one value each; `playbooks.data.crosswalk` applies them to the distinct
references of an export and to the accounts table, then joins on the keys. The free-mail
domains that never match an account are data, in `crosswalk_free_mail.yaml` beside this module.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from playbooks.errors import InputError

FREE_MAIL_FILE = Path(__file__).with_name("crosswalk_free_mail.yaml")

LEGAL_SUFFIXES = frozenset(
    "inc incorporated llc llp lp ltd limited gmbh mbh sa sas sarl ag kg bv nv pty plc corp "
    "corporation co srl spa oy oyj ab".split())
"""Words dropped from the end of a company name (after punctuation is removed, so `S.A.`
is `sa` and `Co.` is `co`)."""

SECOND_LEVEL_SUFFIXES = frozenset(
    "co.uk org.uk ac.uk gov.uk ltd.uk plc.uk me.uk com.au net.au org.au edu.au gov.au "
    "co.nz org.nz net.nz co.jp ne.jp or.jp co.za org.za com.br net.br com.mx com.ar co.in "
    "net.in org.in com.sg com.my com.hk com.tw com.cn net.cn org.cn co.kr com.tr co.il "
    "com.pl com.es com.co co.id".split())
"""Public suffixes of two labels: under them a company's domain has three labels."""

_SALESFORCE_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ALNUM = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_MAX_FREE_MAIL_BYTES = 1_000_000


# --- names ---------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Reduce a company name to the form two systems' spellings of it share.

    Lower-case (casefolded), accents removed, `.` dropped and other punctuation made a
    space, a leading "The" and trailing legal suffixes (Inc, LLC, Ltd, GmbH, S.A., AG, BV,
    Pty, plc, Corp, Co., ...) removed, unless nothing else is left:
    'Northwind Logistics, Inc.' and 'The Northwind Logistics' give 'northwind logistics'.
    Applying it twice gives the same as once.
    """
    text = name
    for _ in range(4):
        cleaned = _clean_characters(text)
        if cleaned == text:
            break
        text = cleaned
    tokens = text.split()
    changed = True
    while changed:
        changed = False
        if len(tokens) > 1 and tokens[0] == "the":
            tokens.pop(0)
            changed = True
        if len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
            tokens.pop()
            changed = True
    return " ".join(tokens)


def _clean_characters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for char in decomposed:
        if unicodedata.combining(char) or char == ".":
            continue
        kept.append(char if char.isalnum() else " ")
    return " ".join("".join(kept).split())


# --- domains -------------------------------------------------------------------------------


def domain_of(value: str) -> str | None:
    """Return the registrable domain of an email address, web address or domain, or None.

    'Ana@Mail.Northwind.co.uk', 'https://www.northwind.co.uk/about' and 'northwind.co.uk'
    all give 'northwind.co.uk'. None when the value holds no usable domain.
    """
    text = value.strip().strip("<>").lower()  # 'Ana <ana@northwind.com>' keeps the address
    if not text:
        return None
    if "@" in text:
        host = text.rsplit("@", 1)[1].rstrip(">")
    elif "://" in text:
        host = urlsplit(text).hostname or ""
    else:
        host = text.split("/", 1)[0]
    host = host.split(":", 1)[0].strip().strip(".").removeprefix("www.")
    labels = host.split(".")
    if len(labels) < 2 or not all(_is_label(label) for label in labels):
        return None
    keep = 3 if ".".join(labels[-2:]) in SECOND_LEVEL_SUFFIXES else 2
    if len(labels) < keep:
        return None
    return ".".join(labels[-keep:])


def _is_label(label: str) -> bool:
    return bool(label) and len(label) <= 63 and all(c.isalnum() or c == "-" for c in label)


@functools.cache
def free_mail_domains() -> frozenset[str]:
    """Return the free-mail domains (gmail.com, outlook.com, ...) that never match an account."""
    return read_free_mail_domains(FREE_MAIL_FILE)


def read_free_mail_domains(path: Path) -> frozenset[str]:
    """Read a free-mail domains file: one key, `free_mail_domains`, holding a list of
    lower-case registrable domains. Raises InputError naming the file and what is wrong."""
    where = path.name
    if path.stat().st_size > _MAX_FREE_MAIL_BYTES:
        raise InputError(f"{where}: the file is larger than {_MAX_FREE_MAIL_BYTES:,} bytes.")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InputError(f"{where}: not readable as YAML: {error}") from error
    if not isinstance(raw, dict) or set(raw) != {"free_mail_domains"}:
        raise InputError(f"{where}: expected one key, free_mail_domains, holding a list.")
    domains = raw["free_mail_domains"]
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise InputError(f"{where}: free_mail_domains must be a list of domains.")
    wrong = [d for d in domains if domain_of(d) != d]
    if wrong:
        raise InputError(f"{where}: '{wrong[0]}' is not a lower-case registrable domain.")
    return frozenset(domains)


# --- Salesforce ids ------------------------------------------------------------------------


def salesforce_18(id15: str) -> str:
    """Return the 18-character, case-safe form of a 15-character Salesforce id.

    The three added characters encode, for each block of five characters, which of them are
    upper-case letters (bit i for the i-th character), as a letter A-Z or digit 0-5:
    '0019000000B98de' gives '0019000000B98deAAB'.
    """
    if len(id15) != 15 or not set(id15) <= _ALNUM:
        raise InputError(f"'{id15}' is not a 15-character Salesforce id (15 letters or digits).")
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(id15[start:start + 5]) if "A" <= char <= "Z")
        suffix += _SALESFORCE_SUFFIX_CHARS[bits]
    return id15 + suffix


def salesforce_15(id18: str) -> str:
    """Return the 15-character, case-sensitive form of an 18-character Salesforce id.

    The case of each letter is restored from the checksum, so an id a case-insensitive tool
    upper-cased ('0019000000B98DEAAB') still gives '0019000000B98de'. Raises InputError when
    the value is not an 18-character id or its checksum does not fit its characters.
    """
    if len(id18) != 18 or not set(id18) <= _ALNUM:
        raise InputError(f"'{id18}' is not an 18-character Salesforce id.")
    chars = []
    for block, code in enumerate(id18[15:].upper()):
        bits = _SALESFORCE_SUFFIX_CHARS.index(code) if code in _SALESFORCE_SUFFIX_CHARS else -1
        if bits < 0:
            raise InputError(f"'{id18}' is not an 18-character Salesforce id: its checksum "
                             f"character '{code}' is not A-Z or 0-5.")
        for i, char in enumerate(id18[block * 5:block * 5 + 5]):
            upper = bool(bits >> i & 1)
            if upper and not char.isalpha():
                raise InputError(f"'{id18}' is not an 18-character Salesforce id: its checksum "
                                 "does not fit its characters.")
            chars.append(char.upper() if upper else char.lower())
    return "".join(chars)


def salesforce_key(value: str) -> str | None:
    """Return the case-safe 18-character id (upper-cased) a 15- or 18-character id stands for,
    or None when the value cannot be a Salesforce id."""
    try:
        if len(value) == 15:
            return salesforce_18(value).upper()
        if len(value) == 18:
            return salesforce_18(salesforce_15(value)).upper()
    except InputError:
        return None
    return None
