"""Fast phrase matching for many rules at once.

Every pattern names, where it can, the words it can't match without (its anchors). One Aho–Corasick pass over a
reply finds which anchors occur; only the patterns they belong to are then run, as one regex per group. A reply
that mentions no rule's words costs one linear scan.
"""

import re
from collections.abc import Mapping
from functools import lru_cache
from re import _constants, _parser as _regex_parser  # the standard library's own regex parser
from types import MappingProxyType

import ahocorasick

# Escapes keep their case when a pattern is lower-cased (\D is not \d).
_ESCAPE_OR_TEXT = re.compile(r"\\.|[^\\]+", re.S)
_LITERAL, _SUBPATTERN, _BRANCH = _constants.LITERAL, _constants.SUBPATTERN, _constants.BRANCH
_REPEATS = (_constants.MAX_REPEAT, _constants.MIN_REPEAT)
# A character range this long or shorter ('[0-9]', '[a-zæøå]') is listed among a pattern's first characters.
MAX_LISTED_RANGE = 128


# The words nearly every reply has, in either language (lower-cased, as most patterns are).
EVERYDAY_WORDS = frozenset("""
    a an and are as at be been but can could did do for get got had has have here how i if in is it it's just me my not
    of on or our so that the there these this those to us was we were what when why will with would you you're your
    af at de dem den der det din dine dit du en er et for fra har hvad hvis i ikke jeg jer jeres kan med men og om os på
    så som til var vi vil vores
""".split())
# The strings, how many characters of a match can come before them (None: no limit), and how many whitespace
# characters (None: no limit). '\d[\d,.]* kr' has no limit in characters but none in whitespace: its anchor
# ' kr' comes right after the match's first word.
Anchors = tuple[frozenset[str], int | None, int | None]
UNBOUNDED = 2**31
# Every Checker (each app, each settings reload, each test's app) reads the same patterns. Parsing and compiling them
# was most of the time an app took to start (about 1.5 of 2 s): re's own cache keeps 512 patterns, fewer than the
# playbook's. Kept here by their text, with what is worked out from them; all of it is immutable.
PATTERN_CACHE_SIZE = 8192


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def compiled(pattern: str, flags: int = 0) -> re.Pattern:
    return re.compile(pattern, flags)


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def required_literals(pattern: str) -> Anchors | None:
    """Strings of which at least one occurs wherever the pattern matches, and the most characters and the most
    whitespace characters that can come before it in a match (None: no limit); None when no such strings can be
    named.

    'pengene (?:retur|tilbage)' needs 'pengene ' at offset 0; '(?:en )?(?:rabat|gavekort)' needs 'rabat' or
    'gavekort', at most 3 characters and 1 whitespace in; '\\d[\\d,.]* ?(?:dollars|pounds)(?: \\S+){0,5}? back' needs
    'back', any number of characters but at most 7 whitespace characters in.
    """
    try:
        parsed = _regex_parser.parse(pattern)
        return _sequence_literals(list(parsed), parsed.state)
    except (re.error, TypeError, ValueError, IndexError, AttributeError):  # an unusual construct: always run it
        return None


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _sequence_literals(items, state) -> Anchors | None:
    candidates: list[Anchors] = []
    run: list[str] = []
    prefix: int | None = 0  # the longest text the items so far can match
    spaces: int | None = 0  # the most whitespace characters in it
    run_offset: int | None = 0
    run_spaces: int | None = 0

    def end_run():
        if len(run) >= 2 or (run and _rare_character(run[0])):
            candidates.append((frozenset(["".join(run)]), run_offset, run_spaces))
        run.clear()

    for op, value in items:
        if op is _LITERAL:
            if not run:
                run_offset, run_spaces = prefix, spaces
            run.append(chr(value))
            prefix, spaces = _add(prefix, 1), _add(spaces, chr(value).isspace())
            continue
        end_run()
        found = None
        if op is _SUBPATTERN and not value[1] and not value[2]:  # a group without inline flags
            found = _sequence_literals(list(value[3]), state)
        elif op is _BRANCH:
            alternatives = [_sequence_literals(list(alternative), state) for alternative in value[1]]
            if None not in alternatives:
                found = (frozenset().union(*(strings for strings, _, _ in alternatives)),
                         _most(offset for _, offset, _ in alternatives), _most(most for _, _, most in alternatives))
        elif op in _REPEATS and value[0] >= 1:
            found = _sequence_literals(list(value[2]), state)
        if found:
            candidates.append((found[0], _add(prefix, found[1]), _add(spaces, found[2])))
        widest = _regex_parser.SubPattern(state, [(op, value)]).getwidth()[1]
        prefix = _add(prefix, None if widest >= UNBOUNDED else widest)
        spaces = _add(spaces, _most_spaces([(op, value)]))
    end_run()
    # The most selective choice: a set without an everyday word; then the set whose shortest string is longest; then a
    # known, small offset, in characters or else in whitespace.
    return max(candidates, key=lambda c: (not _everyday(c[0]), min(map(len, c[0])), c[1] is not None,
                                          c[2] is not None, -(c[1] or 0)), default=None)


def _most(counts) -> int | None:
    """The largest of the counts; None (no limit) if one of them has none."""
    counts = list(counts)
    return None if None in counts else max(counts)


# The category escapes a parsed character class can name, as the parser names them.
_CATEGORY_ESCAPES = (
    (_constants.CATEGORY_DIGIT, r"\d"), (_constants.CATEGORY_NOT_DIGIT, r"\D"),
    (_constants.CATEGORY_SPACE, r"\s"), (_constants.CATEGORY_NOT_SPACE, r"\S"),
    (_constants.CATEGORY_WORD, r"\w"), (_constants.CATEGORY_NOT_WORD, r"\W"),
)


def _category_members(characters: str) -> dict[int, frozenset[str]]:
    """Of the characters, those each category escape (\\d, \\S, \\w ...) matches."""
    return {name: frozenset(re.findall(escape, characters)) for name, escape in _CATEGORY_ESCAPES}


# Every character that \s matches (str.isspace); U+3000, the ideographic space, is the last of them.
_WHITESPACE = "".join(character for character in map(chr, range(0x3001)) if character.isspace())
_CATEGORY_WHITESPACE = _category_members(_WHITESPACE)


def _most_spaces(items) -> int | None:
    """The most whitespace characters a sequence of parsed items can match; None when there is no limit ('\\s+',
    '.*') or the items are of a kind not read here. '(?: \\S+){0,5}' matches at most 5 of them."""
    total = 0
    for op, value in items:
        if op is _LITERAL:
            count = int(chr(value).isspace())
        elif op in _ZERO_WIDTH:
            count = 0
        elif op is _constants.IN:
            count = int(_class_has_whitespace(value))
        elif op in (_constants.NOT_LITERAL, _constants.ANY):
            count = 1
        elif op is _SUBPATTERN:
            count = _most_spaces(value[3])
        elif op is _BRANCH:
            count = _most(map(_most_spaces, value[1]))
        elif op in _REPEATS:
            inner = _most_spaces(value[2])
            count = 0 if inner == 0 else None if inner is None or value[1] == _constants.MAXREPEAT else inner * value[1]
        else:
            return None
        if count is None:
            return None
        total += count
    return total


def _class_has_whitespace(members) -> bool:
    """Whether a character class ('[\\d,.]', '[^\\s.!?]') matches some whitespace character; True when it has a member
    of a kind not read here."""
    negated = bool(members) and members[0][0] is _constants.NEGATE
    matched = set()
    for kind, member in members[negated:]:
        if kind is _LITERAL:
            matched.update(c for c in _WHITESPACE if ord(c) == member)
        elif kind is _constants.RANGE:
            matched.update(c for c in _WHITESPACE if member[0] <= ord(c) <= member[1])
        elif kind is _constants.CATEGORY and member in _CATEGORY_WHITESPACE:
            matched |= _CATEGORY_WHITESPACE[member]
        else:
            return True
    return len(matched) < len(_WHITESPACE) if negated else bool(matched)


def _everyday(strings: frozenset[str]) -> bool:
    """Whether one of the strings is a word nearly every reply has ("you", " your ", "det"). A set of anchors is found
    as often as its commonest member, and such an anchor lets its pattern be tried at most places in most replies,
    where a rarer word of the same pattern would not (anchor hits per real reply 28.9 before, 22.3 after)."""
    return any(string.strip() in EVERYDAY_WORDS for string in strings)


def _rare_character(character: str) -> bool:
    """An emoji or a symbol (🙄, ✉, ™), past the dashes, quotes and '…' of Unicode's general punctuation: alone, it is
    a selective enough anchor, where a single letter, digit, '.' or '–' would be found at most places in most
    replies."""
    return ord(character) >= 0x2100 and not character.isalnum()


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def first_characters(pattern: str) -> frozenset[str] | None:
    """The characters a match of the pattern can begin with; None when they can't be listed (a class such as '\\w' or
    '.', inline flags, a match that can be empty). Exact, unlike the sample characters runaway() compares."""
    try:
        parsed = _regex_parser.parse(pattern)
    except (re.error, TypeError, ValueError, IndexError, AttributeError):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    characters, can_be_empty = _sequence_first_characters(list(parsed))
    return None if can_be_empty else characters


def _sequence_first_characters(items) -> tuple[frozenset[str] | None, bool]:
    """The characters a sequence of parsed items can begin with (None: can't be listed), and whether it can match the
    empty string. Lookarounds and anchors take no character, so the next item's count too."""
    characters = set()
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue
        if op is _LITERAL:
            first, can_be_empty = {chr(value)}, False
        elif op is _constants.IN:
            first, can_be_empty = _listed_characters(value), False
        elif op is _SUBPATTERN and not value[1] and not value[2]:
            first, can_be_empty = _sequence_first_characters(value[3])
        elif op is _BRANCH:
            alternatives = [_sequence_first_characters(alternative) for alternative in value[1]]
            if any(first is None for first, _ in alternatives):
                return None, True
            first = frozenset().union(*(first for first, _ in alternatives))
            can_be_empty = any(empty for _, empty in alternatives)
        elif op in _REPEATS:
            first, can_be_empty = _sequence_first_characters(value[2])
            can_be_empty = can_be_empty or value[0] == 0
        else:
            return None, True
        if first is None:
            return None, True
        characters |= first
        if not can_be_empty:
            return frozenset(characters), False
    return frozenset(characters), True


def _listed_characters(members) -> frozenset[str] | None:
    """The characters of a character class of single characters and short ranges ('[.!?]', '[0-9]'), else None."""
    characters = set()
    for kind, member in members:
        if kind is _LITERAL:
            characters.add(chr(member))
        elif kind is _constants.RANGE and member[1] - member[0] < MAX_LISTED_RANGE:
            characters.update(map(chr, range(member[0], member[1] + 1)))
        else:
            return None
    return frozenset(characters)


def lowercase_pattern(pattern: str) -> str:
    return _ESCAPE_OR_TEXT.sub(lambda m: m.group() if m.group().startswith("\\") else m.group().lower(), pattern)


@lru_cache(maxsize=None)
def _whitespace_back(count: int) -> re.Pattern:
    """Read in reversed text, the shortest stretch that holds `count` whitespace characters and ends in one."""
    return re.compile(r"(?:\S*+\s){%d}" % count)


NO_HITS: Mapping[int, list[int]] = MappingProxyType({})  # a group none of whose anchors occur


class Haystack:
    """A reply as the matchers see it: the text, its lower-cased twin, and which anchors occur (found once)."""

    def __init__(self, text: str, index: "AnchorIndex"):
        self.text = text
        lowered = text.lower()
        # Lower-casing rarely changes length (e.g. 'İ'); then case-insensitive patterns match with re.IGNORECASE.
        self.lowered = lowered if len(lowered) == len(text) else None
        self._index, self._active = index, None
        self._reversed: str | None = None

    def active(self, group_id: int) -> dict[int, list[int]]:
        """For one group: which of its patterns have an anchor here, and where those anchors start."""
        if self._active is None:
            self._active = self._index.scan(self)
        return self._active.get(group_id, NO_HITS)

    def earliest_start(self, position: int, spaces: int) -> int:
        """The first place a match can start that has at most `spaces` whitespace characters before `position`: just
        after the one before those, found by reading the reversed text back from `position`."""
        if self._reversed is None:
            self._reversed = self.text[::-1]
        back = _whitespace_back(spaces + 1).match(self._reversed, len(self.text) - position)
        return len(self.text) - back.end() + 1 if back else 0


class AnchorIndex:
    """All groups' anchors for one language, in two automata: lower-cased and case-sensitive."""

    def __init__(self):
        self._groups: list[PatternGroup] = []
        self._automata: dict[bool, ahocorasick.Automaton] = {}

    def register(self, group: "PatternGroup") -> int:
        self._groups.append(group)
        return len(self._groups) - 1

    def build(self) -> None:
        for case_sensitive in (False, True):
            owners: dict[str, list[tuple[int, int]]] = {}
            for group_id, group in enumerate(self._groups):
                if group.case_sensitive == case_sensitive:
                    for number, anchors in enumerate(group.anchors):
                        for anchor in anchors[0] if anchors else ():
                            owners.setdefault(anchor, []).append((group_id, number))
            if owners:
                automaton = ahocorasick.Automaton()
                for anchor, owned in owners.items():
                    automaton.add_word(anchor, (len(anchor), tuple(owned)))
                automaton.make_automaton()
                self._automata[case_sensitive] = automaton

    def scan(self, haystack: Haystack) -> dict[int, dict[int, list[int]]]:
        active: dict[int, dict[int, list[int]]] = {}
        for case_sensitive, automaton in self._automata.items():
            text = haystack.text if case_sensitive else haystack.lowered
            if text is None:
                continue
            for last, (length, owned) in automaton.iter(text):
                start = last - length + 1
                for group_id, number in owned:  # no setdefault: its default would be made for every hit
                    hits = active.get(group_id)
                    if hits is None:
                        active[group_id] = {number: [start]}
                    elif number in hits:
                        hits[number].append(start)
                    else:
                        hits[number] = [start]
        return active


class PatternSet:
    """A rule's patterns for one language, in groups that share case handling and word boundaries."""

    def __init__(self, items: list[dict], index: AnchorIndex):
        self.groups = []
        for case_sensitive in (False, True):
            for word in (True, False):
                chosen = [i for i in items
                          if i.get("case_sensitive", False) == case_sensitive and i.get("word", True) == word]
                if chosen:
                    self.groups.append(PatternGroup(chosen, case_sensitive, word, index))

    def finditer(self, haystack: Haystack):
        for group in self.groups:
            yield from group.finditer(haystack)

    def search(self, haystack: Haystack) -> bool:
        return any(group.search(haystack) for group in self.groups)


class PatternGroup:
    """Patterns that share case handling and word boundaries.

    A pattern whose anchor can only begin a few characters or words into a match is tried at just those places; the
    others (no anchor, or an unbounded start like '^\\s*when') are scanned for, all in one regex, and only when needed.
    """

    MAX_CACHED_REGEXES = 1024

    def __init__(self, items: list[dict], case_sensitive: bool, word: bool, index: AnchorIndex):
        self.items = items
        self.case_sensitive = case_sensitive
        self.word = word
        self.template = r"(?<!\w)(?:%s)(?!\w)" if word else "(?:%s)"
        self.patterns = [i["pattern"] if case_sensitive else lowercase_pattern(i["pattern"]) for i in items]
        self.anchors = [required_literals(p) for p in self.patterns]
        self.always = frozenset(n for n, anchors in enumerate(self.anchors) if anchors is None)
        self._always_sorted = tuple(sorted(self.always))
        # Patterns whose anchor can be any number of characters and of whitespace characters into a match.
        self.unbounded = frozenset(n for n, anchors in enumerate(self.anchors)
                                   if anchors is not None and anchors[1] is None and anchors[2] is None)
        self.singles = [compiled(self.template % p) for p in self.patterns]
        self.starts = [self._start_finder(p) for p in self.patterns]
        self.ignorecase = compiled(self.template % "|".join(f"(?:{i['pattern']})" for i in items), re.IGNORECASE)
        # Each pattern on its own, as the combined one reads the original text, to tell which matched; compiled here,
        # as re's own cache is too small to keep every rule's patterns and recompiling one costs more than the rest
        # of a check.
        self.ignorecase_singles = [compiled(self.template % i["pattern"], re.IGNORECASE) for i in items]
        self._regexes: dict[tuple[int, ...], re.Pattern] = {}
        self.id = index.register(self)

    def _regex_for(self, numbers: tuple[int, ...]) -> re.Pattern:
        regex = self._regexes.get(numbers)
        if regex is None:
            if len(self._regexes) >= self.MAX_CACHED_REGEXES:
                self._regexes.clear()
            regex = self._regexes[numbers] = re.compile(self.template % "|".join(f"(?:{self.patterns[n]})" for n in numbers))
        return regex

    def finditer(self, haystack: Haystack):
        """Yields (start, end, item) in code points, leftmost and then longest first, never overlapping. Of patterns
        matching the same words, the first in the rule file names the item (its message and suggestions), however
        each was found."""
        text = haystack.text if self.case_sensitive else haystack.lowered
        if text is None:  # lower-casing changed the length: match the original text case-insensitively
            found = [(m.start(), m.end(), self._number_at(haystack.text, m.start(), range(len(self.items)),
                                                          self.ignorecase_singles))
                     for m in self.ignorecase.finditer(haystack.text)]
        else:
            hits = haystack.active(self.id)
            if not hits and not self.always:  # none of the group's words occur, the usual case: nothing to run
                return
            scanned = self._scanned(hits)
            found = [(m.start(), m.end(), self._number_at(text, m.start(), scanned, self.singles))
                     for m in self._regex_for(scanned).finditer(text)] if scanned else []
            found += self._anchored_matches(haystack, text, hits)
        last_end = -1
        for start, end, number in sorted(found, key=lambda f: (f[0], -f[1], f[2])):
            if start >= last_end:
                last_end = end
                yield start, end, self.items[number]

    def search(self, haystack: Haystack) -> bool:
        """Whether finditer would yield anything, stopping at the first match found: most checks only ask whether an
        element is there (an apology, a sign-off), and finding and ordering every match costs several times more.
        Patterns outside whole words are searched one by one: each can then skip straight to the characters it
        starts with ('/', a line break, a full stop), which the regex engine can't do for an alternation of them
        (sign-with-name's four sign-off shapes, searched in every reply: a quarter less time)."""
        text = haystack.text if self.case_sensitive else haystack.lowered
        if text is None:
            return self.ignorecase.search(haystack.text) is not None
        hits = haystack.active(self.id)
        if not hits and not self.always:
            return False
        scanned = self._scanned(hits)
        if scanned and (self._regex_for(scanned).search(text) if self.word
                        else any(self.singles[number].search(text) for number in scanned)):
            return True
        return next(self._anchored_matches(haystack, text, hits), None) is not None

    def _scanned(self, hits: dict[int, list[int]]) -> tuple[int, ...]:
        """The patterns scanned for in one regex: those with no anchor, and those whose anchor occurs here but can
        be any number of characters and of whitespace characters into a match."""
        unbounded = self.unbounded.intersection(hits) if self.unbounded else ()
        return tuple(sorted(self.always.union(unbounded))) if unbounded else self._always_sorted

    def _start_finder(self, pattern: str) -> re.Pattern:
        """A regex whose matches begin where a match of the pattern can: at one of its first characters and, for a
        whole word, not right after a word character. Its character class comes first, so that the regex engine
        skips straight to those characters. A pattern whose anchor is some way into a match ("(?:that's|it is|...)
        (?:on us|...)" after "up to us") was tried at every word start before it; at its first characters only, the
        tries per 1,000-character reply fell from 207 to 81 (English) and 303 to 84 (Danish), and on the real
        replies from 27 to 9: 7 % less time per Danish check, 2-3 % per English one."""
        characters = first_characters(pattern)
        first = "[%s]" % "".join(map(re.escape, sorted(characters))) if characters else "(?s:.)"
        return compiled(first + (r"(?<!\w.)" if self.word else ""))

    def _anchored_matches(self, haystack: Haystack, text: str, hits: dict[int, list[int]]):
        """Yields the matches of the patterns whose anchor occurs here at most their reach into a match (in
        characters, or else in whitespace characters: so many words), each tried only where a match could start.

        Before the reach in whitespace, a pattern whose anchor can follow a word of any length ('\\d[\\d,.]* kr',
        '(?: \\S+){0,5}? back') was scanned for through the whole reply whenever its anchor occurred: 143 of the
        playbook's 735 patterns. Tried near their anchors, a 1,000-character English reply's check costs 11 % fewer
        instructions (counted by valgrind, which a busy machine can't sway), a Danish one's and the real replies' the
        same."""
        for number, anchor_starts in hits.items():
            _, reach, spaces = self.anchors[number]
            if reach is None and spaces is None:
                continue
            single = self.singles[number]
            if reach == 0:  # the anchor begins the match (most do): a whole-word pattern's own (?<!\w) turns down
                starts = set(anchor_starts)  # a start inside a word at once, sooner than a search for word starts
            else:  # up to its reach before the anchor, where a match can begin (_start_finder)
                starts = {m.start() for a in anchor_starts for m in self.starts[number].finditer(
                    text, max(0, a - reach) if reach is not None else haystack.earliest_start(a, spaces), a + 1)}
            for start in starts:
                match = single.match(text, start)
                if match:
                    yield match.start(), match.end(), number

    @staticmethod
    def _number_at(text: str, start: int, numbers, singles: list[re.Pattern]) -> int:
        """Which of the patterns numbered `numbers` a match of their one regex at `start` is: the first that matches
        there on its own, as the one regex tries them in that order."""
        return next(number for number in numbers if singles[number].match(text, start))


# --- Runaway patterns: refused at load, before they can hang a worker.
#
# Python's re backtracks. A repeat inside a repeat that can hand the same characters back and forth ("(a+)+$",
# "(\w+\s?)+$", "(.*a){20}") makes a text that almost matches cost time exponential in its length (catastrophic
# backtracking): a 40-character reply can keep a worker busy for minutes. Those shapes are found from the parsed
# pattern: inside a repeat that can run more than a few times, an unbounded repeat (+, *, {n,}) whose characters can also be
# the next thing the pattern wants, or one-character alternatives that match the same character.

# Characters standing in for every character when sets of them are compared: letters (Danish too), digits,
# whitespace, punctuation and a symbol. Two character classes overlap when some sample matches both.
_SAMPLE = ("abcdefghijklmnopqrstuvwxyzæøåéüABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ0123456789_ \t\n\r.,;:!?-–'\"’()[]{}/\\&%+*=<>"
           "@#$€£§|^~`😀")
_CATEGORIES = _category_members(_SAMPLE)
_ALL = frozenset(_SAMPLE)
_NOTHING = frozenset()


def _cased(chars) -> frozenset:
    return frozenset(chars) | {ch.swapcase() for ch in chars if len(ch.swapcase()) == 1}


def _atom_chars(op, value) -> frozenset | None:
    """The sample characters one single-character item matches (case-insensitively), or None if it isn't one."""
    if op is _LITERAL:
        return _cased({chr(value)})
    if op is _constants.NOT_LITERAL:
        return _ALL - _cased({chr(value)})
    if op is _constants.ANY:
        return _ALL
    if op is _constants.CATEGORY:
        return _CATEGORIES.get(value, _ALL)
    if op is _constants.IN:
        chars, negate = set(), False
        for kind, item in value:
            if kind is _constants.NEGATE:
                negate = True
            elif kind is _LITERAL:
                chars |= _cased({chr(item)})
            elif kind is _constants.RANGE:
                chars |= _cased({ch for ch in _SAMPLE if item[0] <= ord(ch) <= item[1]})
            elif kind is _constants.CATEGORY:
                chars |= _CATEGORIES.get(item, _ALL)
            else:
                chars |= _ALL
        return frozenset(_ALL - chars if negate else chars)
    return None


# A repeat of at most this many rounds (`{0,4}`) may hold an unbounded one: the cost grows as a small power of the
# length, not exponentially.
MAX_SMALL_REPEAT = 5
_ZERO_WIDTH = (_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT)


def _first(items) -> tuple[frozenset, bool]:
    """The characters a sequence of items can begin with, and whether it can match the empty string."""
    chars = set()
    for op, value in items:
        item_chars, nullable = _item_first(op, value)
        chars |= item_chars
        if not nullable:
            return frozenset(chars), False
    return frozenset(chars), True


def _item_first(op, value) -> tuple[frozenset, bool]:
    atom = _atom_chars(op, value)
    if atom is not None:
        return atom, False
    if op in _ZERO_WIDTH:
        return _NOTHING, True
    if op is _SUBPATTERN:
        return _first(value[3])
    if op is _BRANCH:
        firsts = [_first(alternative) for alternative in value[1]]
        return frozenset().union(*(f for f, _ in firsts)), any(n for _, n in firsts)
    if op in _REPEATS:
        chars, nullable = _first(value[2])
        return chars, nullable or value[0] == 0
    return _ALL, True  # a back-reference or a conditional: anything


def _all_chars(items) -> frozenset:
    """Every character a sequence of items can consume."""
    chars = set()
    for op, value in items:
        atom = _atom_chars(op, value)
        if atom is not None:
            chars |= atom
        elif op is _SUBPATTERN:
            chars |= _all_chars(value[3])
        elif op is _BRANCH:
            for alternative in value[1]:
                chars |= _all_chars(alternative)
        elif op in _REPEATS:
            chars |= _all_chars(value[2])
        elif op not in _ZERO_WIDTH:
            chars |= _ALL
    return frozenset(chars)


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def runaway(pattern: str) -> str | None:
    """Why matching the pattern can take exponential time (catastrophic backtracking), or None when it can't."""
    try:
        parsed = _regex_parser.parse(pattern)
    except (re.error, TypeError, ValueError, IndexError, AttributeError):
        return None  # not a valid pattern: re.compile says why
    return _runaway(list(parsed), _NOTHING, inside_repeat=False)


def _runaway(items, follow: frozenset, inside_repeat: bool) -> str | None:
    """Walks a sequence right to left, knowing which characters can come after each item (`follow`)."""
    for op, value in reversed(items):
        problem = None
        if op in _REPEATS:
            low, high, body = value
            unbounded = high == _constants.MAXREPEAT
            if inside_repeat and unbounded and _all_chars(body) & follow:
                return ("an unbounded repeat (+, * or {n,}) inside another repeat can match the same characters as "
                        "what follows it, so a text that almost matches is tried in every way of splitting it, "
                        "as in (a+)+$")
            if high > MAX_SMALL_REPEAT:  # after one round of the body comes another round, or what follows it
                problem = _runaway(list(body), _first(body)[0] | follow, inside_repeat=True)
            else:
                problem = _runaway(list(body), follow, inside_repeat)
        elif op is _SUBPATTERN:
            problem = _runaway(list(value[3]), follow, inside_repeat)
        elif op is _BRANCH:
            singles = [_atom_chars(*alternative[0]) for alternative in value[1] if len(alternative) == 1]
            if inside_repeat and None not in singles and len(singles) == len(value[1]) and any(
                    a & b for n, a in enumerate(singles) for b in singles[n + 1:]):
                return ("alternatives of one character inside a repeat can match the same character, so a text that "
                        "almost matches is tried with every choice of alternative at every step, as in (a|a)+$")
            for alternative in value[1]:
                problem = problem or _runaway(list(alternative), follow, inside_repeat)
        elif op in (_constants.ASSERT, _constants.ASSERT_NOT):
            problem = _runaway(list(value[1]), _NOTHING, inside_repeat=False)
        if problem:
            return problem
        chars, nullable = _item_first(op, value)
        follow = chars | (follow if nullable else _NOTHING)
    return None
