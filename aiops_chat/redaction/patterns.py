"""Secrets recognised by their shape in any text: logs, tables, describe output, env dumps, YAML-ish lines.

Every rule returns spans (see spans.py). Every regular expression here must stay linear in the length of
its input, because a workload writes what we scan: a rule starts only where a name, a prefix or a line
begins (a lookbehind or a literal, never ``\\b`` inside ``a.a.a...``), repeats unbounded only
possessively (``*+``, ``++``: nothing is re-scanned on failure), and nests only bounded repeats.
``tests/security/test_redaction_linear.py`` checks those rules on every pattern registered in ``PATTERNS``;
``bench/redaction.py`` measures the result.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator

from aiops_chat.redaction.names import MAX_NAME, is_secret_name, is_secret_query_name
from aiops_chat.redaction.spans import MASK, Span

# Every pattern, and whether it is searched for (True: it may start anywhere, so where it can start matters)
# or only matched at a position the code chose.
PATTERNS: list[tuple[re.Pattern[str], bool]] = []


def _re(pattern: str, *, searched: bool = True) -> re.Pattern[str]:
    compiled = re.compile(pattern)
    PATTERNS.append((compiled, searched))
    return compiled


class Text:
    """The text being scanned, with line boundaries found by bisection (never by scanning back)."""

    def __init__(self, s: str) -> None:
        self.s = s
        self.newlines = [m.start() for m in _NEWLINE.finditer(s)]

    def line_start(self, pos: int) -> int:
        i = bisect_left(self.newlines, pos)
        return self.newlines[i - 1] + 1 if i else 0

    def line_end(self, pos: int) -> int:
        i = bisect_left(self.newlines, pos)
        return self.newlines[i] if i < len(self.newlines) else len(self.s)


_NEWLINE = _re(r"\n")

# --- values ---------------------------------------------------------------------------------------------
_DQ = _re(r'"((?:[^"\\\n]|\\.)*+)', searched=False)
_ESC_DQ = _re(r'\\"((?:[^"\\\n]|\\(?!")[^\n])*+)', searched=False)
_SQ = _re(r"'([^'\n]*+)", searched=False)
_TOKEN_EQ = _re(r"(?:[^\s\"'&;,<>]|&(?![\w.\-]{1,64}+=)|,(?![ \t]|[\w.\-]{1,64}+=))++", searched=False)
_TOKEN_COLON = _re(r"(?:[^\s\"'&;,<>\]})]|,(?![ \t]|[\w.\-]{1,64}+[=:]))++", searched=False)
_WORD = _re(r"[^\s\"']++", searched=False)
_BLOCK_INDICATOR = _re(r"[|>][0-9+-]{0,3}+[ \t]*+(?:#[^\n]*+)?$", searched=False)
_ANOTHER_KEY = _re(r"[ \t][A-Za-z_][\w.\-]{0,127}+=")
_ANOTHER_YAML_KEY = _re(r"[ \t][A-Za-z_][\w.\-]{0,127}+:(?:[ \t]|$)")
_PLACEHOLDERS = frozenset({"", "true", "false", "null", "none", "nil", "~", "yes", "no", '""', "''", "[redacted]",
                           "redacted", "<redacted>", "<hidden>", "******", "********"})


def is_placeholder(value: str) -> bool:
    """Values that carry no secret: booleans, empty, masks, templates, describe's `<set to the key ...>`."""
    v = value.strip().strip("\"'").strip()
    if v.lower() in _PLACEHOLDERS or (v and set(v) == {"*"}):
        return True
    size, _, unit = v.partition(" ")
    if unit == "bytes" and size.isdigit():
        return True  # `kubectl describe secret` prints sizes, never values
    return v.startswith(("${", "$(", "{{", "<set to the key")) or (v[:1] == "<" and v[-1:] == ">" and len(v) < 64)


def quoted_value(s: str, pos: int) -> Span | None:
    """The inside of a quoted value starting at ``pos`` (", ', or an escaped \\" inside JSON)."""
    c = s[pos:pos + 1]
    if c == '"':
        m = _DQ.match(s, pos)
    elif c == "'":
        m = _SQ.match(s, pos)
    elif s.startswith('\\"', pos):
        m = _ESC_DQ.match(s, pos)
    else:
        return None
    return m.span(1) if m else None


def _until_eol(t: Text, pos: int, *, yaml_comment: bool) -> Span:
    end = t.line_end(pos)
    value = t.s[pos:end]
    if yaml_comment:
        cut = value.find(" #")
        if cut >= 0:
            value = value[:cut]
    return pos, pos + len(value.rstrip())


def _block_scalar(t: Text, key_pos: int, value_pos: int) -> Span:
    """``key: |`` or ``key: >-``: the indicator and every following line indented deeper than the key."""
    ls = t.line_start(key_pos)
    line = t.s[ls:t.line_end(key_pos)]
    indent = len(line) - len(line.lstrip(" \t"))
    end = t.line_end(key_pos)
    i = bisect_left(t.newlines, key_pos)  # index of the newline ending the key's line
    last = end
    while i < len(t.newlines):
        start = t.newlines[i] + 1
        stop = t.newlines[i + 1] if i + 1 < len(t.newlines) else len(t.s)
        body = t.s[start:stop]
        if body.strip():
            if len(body) - len(body.lstrip(" \t")) <= indent:
                break
            last = stop
        i += 1
    return value_pos, last


# --- key = value, key: value ----------------------------------------------------------------------------
_KEY = _re(r"(?<![\w.$@/-])(?P<key>[A-Za-z_][\w.\-]{0,127}+)(?P<kq>\\?[\"'])?[ \t]*+(?P<sep>:=|=>|=|:)[ \t]*+")
# Words that name a credential when they are a key, but head a message as often: "auth: token refreshed".
_WEAK_NAMES = frozenset({"auth", "pass", "sas", "dsn", "cookie", "credentials", "credential"})
_OBJECT_REF = _re(r"[a-z0-9][a-z0-9.\-]{0,62}+/[a-z0-9][a-z0-9.\-]{0,252}+", searched=False)
_LINE_PREFIX = _re(r"[ \t]*+(?:-[ \t]{1,8})*+(?:export[ \t]{1,8})?(?:\\?[\"'])?", searched=False)


def _value(t: Text, key: str, key_start: int, sep: str, pos: int) -> Span | None:
    """Where the value after ``key<sep>`` ending at ``pos`` lies, by the conventions of its syntax."""
    s = t.s
    quoted = quoted_value(s, pos)
    if quoted:
        return quoted
    c = s[pos:pos + 1]
    if not c or c == "\n" or c in "{[":
        return None  # nothing, or a structure whose own keys are scanned on their own
    if key.lower() in ("cookie", "set-cookie"):
        return None  # a Cookie header: the cookie rule masks its values and keeps the names
    ls = t.line_start(key_start)
    at_line_start = key_start - ls <= 256 and (_LINE_PREFIX.fullmatch(s, ls, key_start) is not None)
    if not at_line_start and sep == ":" and s[pos - 1] in " \t" and key.lower() in _WEAK_NAMES:
        return None  # mid-line "<word>: " is a message's prefix far more often than a credential
    if at_line_start and sep == ":" and pos > key_start and s[pos - 1] in " \t":
        if _BLOCK_INDICATOR.match(s, pos, t.line_end(pos)):
            return _block_scalar(t, key_start, pos)
        if not _ANOTHER_YAML_KEY.search(s, pos, t.line_end(pos)):
            return _until_eol(t, pos, yaml_comment=True)  # YAML plain scalar, spaces included
    if at_line_start and sep == "=" and not _ANOTHER_KEY.search(s, pos, t.line_end(pos)):
        return _until_eol(t, pos, yaml_comment=False)  # env file, INI, properties
    m = (_TOKEN_EQ if sep in ("=", ":=", "=>") else _TOKEN_COLON).match(s, pos)
    return m.span() if m else None


def _key_values(t: Text) -> Iterator[Span]:
    s, pos, n = t.s, 0, len(t.s)
    while pos < n:
        m = _KEY.search(s, pos)
        if not m:
            return
        pos = m.end()
        if not is_secret_name(m.group("key")):
            continue
        key = m.group("key")
        span = _value(t, key, m.start("key"), m.group("sep"), m.end())
        if not span or is_placeholder(s[span[0]:span[1]]):
            continue
        if key.lower() in ("secret", "secrets") and _OBJECT_REF.fullmatch(s, *span):
            continue  # klog's secret="namespace/name" names the object
        yield span
        pos = max(pos, span[1])


# name/value pairs: {"name":"DB_PASSWORD","value":"x"}, {Name:API_TOKEN Value:x}, <add key="ApiKey" value="x"/>
_NAME_VALUE = _re(r"(?i)(?<![\w.\-])(?:name|key)(?P<q1>\\?[\"']?)[ \t]*+[=:][ \t]*+(?P<q2>\\?[\"']?)"
                  r"(?P<n>[\w.\-]{1,128}+)(?P=q2)[ \t]*+[,;]?[ \t]*+(?P<q3>\\?[\"']?)value(?P=q3)[ \t]*+[=:][ \t]*+")


def _name_values(t: Text) -> Iterator[Span]:
    for m in _NAME_VALUE.finditer(t.s):
        if is_secret_name(m.group("n")):
            span = quoted_value(t.s, m.end()) or _span_of(_TOKEN_COLON.match(t.s, m.end()))
            if span and not is_placeholder(t.s[span[0]:span[1]]):
                yield span


def _span_of(m: re.Match[str] | None) -> Span | None:
    return m.span() if m else None


# --- XML ------------------------------------------------------------------------------------------------
_XML = _re(r"<(?P<tag>[A-Za-z_][\w.:\-]{0,63}+)(?:[ \t][^<>\n]{0,512}+)?>(?P<v>[^<\n]{1,4096}+)</(?P=tag)>")
_XML_PAIR = _re(r"<name>(?P<n>[^<\n]{1,128}+)</name>[ \t\r\n]{0,64}+<value>(?P<v>[^<]{0,4096}+)</value>")


def _xml(t: Text) -> Iterator[Span]:
    for m in _XML.finditer(t.s):
        if is_secret_name(m.group("tag").rsplit(":", 1)[-1]) and not is_placeholder(m.group("v")):
            yield m.span("v")
    for m in _XML_PAIR.finditer(t.s):
        if is_secret_name(m.group("n").strip()) and not is_placeholder(m.group("v")):
            yield m.span("v")


# --- shapes of provider credentials ---------------------------------------------------------------------
_TOKENS = _re(r"(?<![\w\-])(?:"
              r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}+|whsec_[0-9A-Za-z]{20,}+"
              r"|sk-(?:proj-|ant-|svcacct-|admin-)?[\w\-]{20,}+"
              r"|github_pat_\w{20,}+|gh[pousr]_[A-Za-z0-9]{30,}+"
              r"|gl(?:pat|ptt|dt|rt|soat|ft|imt|agent|oas|cbt)-[\w\-]{20,}+|glsa_\w{20,}+|glc_[\w\-]{20,}+"
              r"|hv[sbr]\.[\w\-]{20,}+|SG\.[\w\-]{16,}+\.[\w\-]{16,}+|hf_[A-Za-z0-9]{30,}+|npm_[A-Za-z0-9]{30,}+"
              r"|do[por]_v1_[a-f0-9]{40,}+|xox[abposr]-[A-Za-z0-9\-]{10,}+|xapp-[\w\-]{10,}+"
              r"|(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|AIPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"
              r"|AIza[\w\-]{35}|ya29\.[\w\-]{20,}+|1//0[\w\-]{20,}+"
              r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|ATATT[\w=\-]{40,}+|PMAK-[a-f0-9]{24}-[a-f0-9]{34}"
              r"|pul-[a-f0-9]{40}|dp\.(?:st|ct|sa|scim|audit)\.[\w\-]{20,}+|lin_api_\w{30,}+|NRAK-[A-Z0-9]{27}"
              r"|AGE-SECRET-KEY-1[A-Z0-9]{50,}+|key-[a-f0-9]{32}(?![a-f0-9])"
              r"|eyJ[\w\-]{8,}+\.[\w\-]{8,}+\.[\w\-]*+"  # JWTs, service-account tokens among them
              r")")
_WEBHOOKS = _re(r"(?:hooks\.slack\.com/(?:services|workflows|triggers)/|discord(?:app)?\.com/api/webhooks/"
                r"|outlook\.office\.com/webhook/|\.webhook\.office\.com/webhookb2/)(?P<v>[\w/@\-]{10,}+)")
_TELEGRAM = _re(r"(?<![0-9])[0-9]{6,12}:(?P<v>AA[\w\-]{30,}+)")


def _tokens(t: Text) -> Iterator[Span]:
    for m in _TOKENS.finditer(t.s):
        yield m.span()
    for m in _WEBHOOKS.finditer(t.s):
        yield m.span("v")
    for m in _TELEGRAM.finditer(t.s):
        yield m.span("v")


# --- HTTP: Authorization, Bearer, cookies, URLs -----------------------------------------------------------
_AUTHZ = _re(r"(?i)(?<![\w\-])(?:proxy-)?authorization[\"']?[ \t]*+[:=][ \t]*+[\"']?"
             r"(?:(?:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256|apikey|sso-key|hmac|key|splunk)"
             r"[ \t]++)?(?P<v>[^\s\"',;]++)")
_BEARER = _re(r"(?i)(?<![\w\-])(?:bearer|basic)[ \t]++(?P<v>[\w.~+/=\-]{8,}+)")
_COOKIE = _re(r"(?i)(?<![\w\-])(?P<set>set-)?cookie[ \t]*+:[ \t]*+")
_COOKIE_PAIR = _re(r"[ \t]*+(?P<n>[^=;\s\"']{1,128}+)=(?P<v>[^;\n\"]*+);?", searched=False)
_URL = _re(r"(?<![\w+.\-])[A-Za-z][\w+.\-]{0,31}+://(?P<rest>[^\s\"'<>`]*+)")
_PORT = _re(r"[0-9]{1,5}(?:/|$)", searched=False)
_QUERY = _re(r"[?&;](?P<k>[\w.\[\]\-]{1,64}+)=(?P<v>[^&\s#\"'<>;]*+)")


def _looks_like_token(value: str) -> bool:
    """`Bearer <x>`: a credential has digits or mixed case; the words in 'basic authentication' do not."""
    return any(c.isdigit() for c in value) or (len(value) >= 16 and value.lower() != value != value.upper())


def _http(t: Text) -> Iterator[Span]:
    s = t.s
    for m in _AUTHZ.finditer(s):
        yield m.span("v")
    for m in _BEARER.finditer(s):
        if _looks_like_token(m.group("v")):
            yield m.span("v")
    pos = 0
    while (header := _COOKIE.search(s, pos)) is not None:
        pos, end = header.end(), t.line_end(header.end())
        while pos < end and (pair := _COOKIE_PAIR.match(s, pos, end)) is not None and pair.end() > pos:
            if not is_placeholder(pair.group("v")):
                yield pair.span("v")
            pos = pair.end()
            if header.group("set"):
                break  # Set-Cookie: only the first pair is the cookie; the rest are its attributes
        pos = max(pos, end)
    for m in _URL.finditer(s):
        span = _url_password(m.group("rest"))
        if span:
            yield m.start("rest") + span[0], m.start("rest") + span[1]
    for m in _QUERY.finditer(s):
        if m.group("v") and is_secret_query_name(m.group("k")):
            yield m.span("v")


def _url_password(rest: str) -> Span | None:
    """The password in ``user:password@host...`` (it may hold '/', '+', ':' and '@'); None when there is none."""
    at = rest.rfind("@")
    if at <= 0:
        return None
    colon = rest.find(":", 0, at)
    if colon < 0 or any(c in rest[:colon] for c in "/?#"):
        return None
    if _PORT.match(rest, colon + 1):
        return None  # host:8443/path/@scope: a port and a path, not a password
    return (colon + 1, at) if at > colon + 1 else None


# --- command lines: --password x, -pX (mysql), -u user:pass (curl) ----------------------------------------
_FLAG = _re(r"(?<![\w\-])(?P<flag>--?[A-Za-z][\w.\-]{0,63}+)(?:(?P<eq>=)|[ \t]++(?=[^\s\-]))")
_ATTACHED = _re(r"(?<![\w\-])-(?P<opt>[pau])(?P<v>[^\s\-][^\s]*+)")
_PROGRAMS = _re(r"(?<![\w\-])(?:(?P<p>mysql\w*+|mariadb\w*+|mongo(?:sh|dump|restore)?|sshpass|login)|(?P<a>redis-cli))"
                r"(?![\w\-])")
_DIGITS = _re(r"[0-9]++", searched=False)


class _Programs:
    """Which programs a line names before a position: `-p` is a password only after mysql, sshpass, login."""

    def __init__(self, t: Text) -> None:
        self.t = t
        self.found: dict[str, list[int]] = {"p": [], "a": []}
        for m in _PROGRAMS.finditer(t.s):
            self.found["p" if m.group("p") else "a"].append(m.start())

    def before(self, kind: str, pos: int) -> bool:
        places = self.found[kind]
        i = bisect_right(places, pos) - 1
        return i >= 0 and places[i] >= self.t.line_start(pos)


def _user_password(s: str, span: Span) -> Span | None:
    """``user:password`` (curl -u): the part after the first colon, unless it is a uid:gid pair."""
    colon = s.find(":", span[0], span[1])
    if colon < 0 or _DIGITS.fullmatch(s, colon + 1, span[1]):
        return None
    return colon + 1, span[1]


def _flags(t: Text) -> Iterator[Span]:
    s = t.s
    programs: _Programs | None = None
    for m in _FLAG.finditer(s):
        name = m.group("flag").lstrip("-")
        value = quoted_value(s, m.end()) or _span_of(_WORD.match(s, m.end()))
        if not value:
            continue
        if len(name) == 1:
            programs = programs or _Programs(t)
            if (name == "p" and programs.before("p", m.start())) or (name == "a" and programs.before("a", m.start())):
                yield value
            elif name == "u":
                yield from filter(None, [_user_password(s, value)])
        elif name in ("user", "proxy-user"):
            yield from filter(None, [_user_password(s, value)])
        elif len(name) <= MAX_NAME and is_secret_name(name) and not is_placeholder(s[value[0]:value[1]]):
            yield value
    for m in _ATTACHED.finditer(s):
        opt = m.group("opt")
        if opt == "u":
            yield from filter(None, [_user_password(s, m.span("v"))])
            continue
        programs = programs or _Programs(t)
        if programs.before(opt, m.start()):
            yield m.span("v")


# --- PEM blocks -----------------------------------------------------------------------------------------
_PEM_BEGIN = _re(r"-----BEGIN (?P<label>[A-Z0-9 ]{1,64}+)-----")
_PEM_END = _re(r"-----END (?P<label>[A-Z0-9 ]{1,64}+)-----")
_PEM_LINE = _re(r"[ \t]*+(?:[A-Za-z0-9+/=]++|(?:Proc-Type|DEK-Info|Comment):[^\n]*+)[ \t\r]*+", searched=False)


def _pem(t: Text) -> Iterator[Span]:
    s = t.s
    if "-----BEGIN " not in s and "-----END " not in s:
        return
    ends: dict[str, list[int]] = {}
    for m in _PEM_END.finditer(s):
        ends.setdefault(m.group("label"), []).append(m.start())
    matched: set[int] = set()
    covered = 0
    for m in _PEM_BEGIN.finditer(s):
        if m.start() < covered:
            continue
        places = ends.get(m.group("label"), [])
        i = bisect_left(places, m.end())
        if i < len(places):
            covered = places[i]
            matched.add(places[i])
            yield m.end(), places[i]
            continue
        # No END (the tail was cut off): hide the key-shaped lines that follow, up to the first other line.
        stop = t.line_end(m.end())
        while stop < len(s):
            nxt = t.line_end(stop + 1)
            if stop + 1 == nxt or not _PEM_LINE.fullmatch(s, stop + 1, nxt):
                break
            stop = nxt
        covered = stop
        yield m.end(), stop
    # No BEGIN (the head was cut off, as a head-and-tail cap does): hide the key-shaped lines before the END.
    floor = 0
    for place in sorted(p for places in ends.values() for p in places if p not in matched):
        first = line = max(t.line_start(place), floor)
        if first < place and not _PEM_LINE.fullmatch(s, first, place):
            floor = place
            continue  # other text before the END on its line: not the key's last line
        while line > floor:
            previous = t.line_start(line - 1)
            if previous == line - 1 or not _PEM_LINE.fullmatch(s, previous, line - 1):
                break
            first = line = previous
        floor = place
        yield first, place


# --- JSON Secrets inside a line (a log line, last-applied-configuration) --------------------------------
_JSON_KIND_SECRET = _re(r'(?P<q>\\?")kind(?P=q)[ \t]*+:[ \t]*+(?P=q)Secret(?P=q)')
_JSON_DATA = _re(r'(?P<q>\\?")(?:data|stringData)(?P=q)[ \t]*+:[ \t]*+\{')
_JSON_PAIR = _re(r'[ \t]*+"(?:[^"\\\n]|\\.)*+"[ \t]*+:[ \t]*+"(?P<v>(?:[^"\\\n]|\\.)*+)"[ \t]*+,?', searched=False)
_JSON_ESC_PAIR = _re(r'[ \t]*+\\"(?:[^"\\\n]|\\(?!")[^\n])*+\\"[ \t]*+:[ \t]*+'
                     r'\\"(?P<v>(?:[^"\\\n]|\\(?!")[^\n])*+)\\"[ \t]*+,?', searched=False)


def _json_secrets_in_lines(t: Text) -> Iterator[Span]:
    done_until = -1
    for m in _JSON_KIND_SECRET.finditer(t.s):
        ls, le = t.line_start(m.start()), t.line_end(m.start())
        if ls <= done_until:
            continue
        done_until = le
        for d in _JSON_DATA.finditer(t.s, ls, le):
            pair = _JSON_ESC_PAIR if d.group("q") == '\\"' else _JSON_PAIR
            pos = d.end()
            while (p := pair.match(t.s, pos, le)) is not None and p.end() > pos:
                yield p.span("v")
                pos = p.end()


RULES: tuple[Callable[[Text], Iterator[Span]], ...] = (
    _pem, _tokens, _http, _flags, _key_values, _name_values, _xml, _json_secrets_in_lines,
)


def find_spans(t: Text) -> list[Span]:
    # A value that is already a mask stays as it is (output is redacted more than once).
    return [span for rule in RULES for span in rule(t) if not t.s.startswith(_MASKED, span[0])]


_MASKED = MASK[:-1]
