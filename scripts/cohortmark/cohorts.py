"""Biomarker-defined cohorts: a small rule language over the cohort table and the patient sheet.

A rule is text such as ``MDM2: AMP & TP53: WT`` or ``MDM2: CN >= 12 & evaluable``; it is
tokenised and parsed by hand (no ``eval``) into a tree and evaluated for every patient at once
with three-valued (Kleene) logic: a test on a gene the patient was not profiled for is
``unknown``; ``unknown & false = false``, ``unknown | true = true``, ``!unknown = unknown``.

Grammar (keywords case-insensitive; genes and columns case-sensitive)::

    rule      := or
    or        := and (('|' | '||' | 'or') and)*
    and       := not (('&' | '&&' | 'and') not)*
    not       := ('!' | 'not') not | '(' or ')' | predicate
    predicate := GENE ':' test+             (several tests on one gene: any of them, as OQL)
               | COLUMN                     (a true/false column, e.g. evaluable)
               | COLUMN op value            (op: = == != < <= > >=)
               | COLUMN ['not'] 'in' '[' value (',' value)* ']'
    test      := AMP | GAIN | NEUTRAL | LOSS | HOMDEL          (cn_call)
               | MUT | WT | ALT                                (mut_status; ALT = CN or mutation)
               | truncating | splice | missense | inframe | other   (mutation_class)
               | CN op number | FOLD op number                 (cn_value, cn_fold)
    value     := number | word | "quoted text" | 'quoted text'

Positions in messages are 1-based character positions in the rule text.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import schema
from .errors import InputError

FALSE, UNKNOWN, TRUE = 0, 1, 2  # Kleene values: AND = min, OR = max, NOT = 2 - x
STATUS_NAMES = {TRUE: "eligible", FALSE: "ineligible", UNKNOWN: "unknown"}
POPULATION_KEY = "analysis_population"
RULE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")

CN_CALL_TESTS = set(schema.CN_CALLS)
MUT_TESTS = {"MUT", "WT", "ALT"}
CLASS_TESTS = set(schema.MUTATION_CLASSES)
VALUE_TESTS = {"CN": "cn_value", "FOLD": "cn_fold"}
ALL_TESTS = sorted(CN_CALL_TESTS | MUT_TESTS | set(VALUE_TESTS)) + schema.MUTATION_CLASSES
COMPARISONS = ["==", "!=", "<=", ">=", "=", "<", ">"]
KEYWORDS = {"and", "or", "not", "in"}
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}

# Contract columns whose values the checker knows (others are checked when evaluated).
NUMERIC_COLUMNS = {"purity", "ploidy", "best_pct_change", "pfs_months", "pfs_event",
                   "os_months", "os_event", "treatment_months"}
BOOLEAN_COLUMNS = {"evaluable", "on_treatment", "pfs_event", "os_event"}
VOCABULARIES = {"best_response": schema.BEST_RESPONSES}


class RuleError(InputError):
    """A malformed or inapplicable rule; ``position`` is 1-based (None: the rule as a whole)."""

    def __init__(self, message: str, *, rule: str | None = None, text: str = "",
                 position: int | None = None):
        self.rule, self.text, self.position = rule, text, position
        where = f"config key '{rule}': " if rule else ""
        at = ""
        if position is not None:
            tail = text[position - 1:position + 19]
            at = f", position {position} " + (f"({tail!r})" if tail else "(its end)")
        super().__init__(f"{where}rule {text!r}{at}: {message}")


# --- syntax tree ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Test:
    kind: str  # "call", "mut", "class", "value"
    word: str  # AMP, MUT, truncating, CN, ...
    op: str | None = None
    number: float | None = None

    def __str__(self):
        return f"{self.word} {self.op} {self.number:g}" if self.op else self.word


@dataclass(frozen=True)
class GenePredicate:
    gene: str
    tests: tuple[Test, ...]
    position: int

    def __str__(self):
        return f"{self.gene}: {' '.join(str(t) for t in self.tests)}"


@dataclass(frozen=True)
class ColumnPredicate:
    column: str
    op: str | None  # None: the column itself is true/false; "in", "not in", or a comparison
    values: tuple = ()
    position: int = 0

    def __str__(self):
        if self.op is None:
            return self.column
        if self.op in ("in", "not in"):
            return f"{self.column} {self.op} [{', '.join(map(str, self.values))}]"
        return f"{self.column} {self.op} {self.values[0]}"


@dataclass(frozen=True)
class Not:
    child: object

    def __str__(self):
        return f"!{_wrap(self.child)}"


@dataclass(frozen=True)
class And:
    children: tuple

    def __str__(self):
        return " & ".join(_wrap(c) for c in self.children)


@dataclass(frozen=True)
class Or:
    children: tuple

    def __str__(self):
        return " | ".join(_wrap(c) for c in self.children)


def _wrap(node) -> str:
    return f"({node})" if isinstance(node, And | Or) else str(node)


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its text, its config name and its syntax tree."""

    text: str
    root: object
    name: str | None = None
    leaves: tuple = field(default=(), compare=False)

    def genes(self) -> list[str]:
        return sorted({p.gene for p in self.leaves if isinstance(p, GenePredicate)})

    def columns(self) -> list[str]:
        return sorted({p.column for p in self.leaves if isinstance(p, ColumnPredicate)})

    def __str__(self):
        return str(self.root)


# --- tokeniser and parser -----------------------------------------------------------------

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_]))
  | (?P<word>[A-Za-z_][A-Za-z0-9_.\-]*)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<op>&&|\|\||==|!=|<=|>=|[&|!()\[\],:=<>])
""", re.VERBOSE)


@dataclass
class Token:
    kind: str  # number, word, string, op, end
    text: str
    position: int  # 1-based

    @property
    def value(self):
        if self.kind == "number":
            return float(self.text)
        if self.kind == "string":
            return self.text[1:-1]
        return self.text


def tokenize(text: str, name: str | None = None) -> list[Token]:
    tokens, i = [], 0
    while i < len(text):
        m = TOKEN.match(text, i)
        if not m:
            quote = text[i] in "\"'"
            what = "unclosed quote" if quote else f"unexpected character {text[i]!r}"
            raise RuleError(what, rule=name, text=text, position=i + 1)
        if m.lastgroup != "ws":
            tokens.append(Token(m.lastgroup, m.group(), i + 1))
        i = m.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str, name: str | None):
        self.text, self.name = text, name
        self.tokens = tokenize(text, name)
        self.i = 0
        self.leaves: list = []

    def fail(self, message: str, token: Token | None = None):
        token = token or self.peek()
        raise RuleError(message, rule=self.name, text=self.text, position=token.position)

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def is_keyword(self, token: Token, *words: str) -> bool:
        return token.kind == "word" and token.text.lower() in words

    def is_op(self, token: Token, *ops: str) -> bool:
        return token.kind == "op" and token.text in ops

    def found(self, token: Token) -> str:
        return "the end of the rule" if token.kind == "end" else repr(token.text)

    def parse(self):
        if self.peek().kind == "end":
            raise RuleError("the rule is empty", rule=self.name, text=self.text)
        node = self.parse_or()
        token = self.peek()
        if token.kind != "end":
            hint = "; a closing ')' has no '('" if self.is_op(token, ")") else ""
            before = self.tokens[self.i - 1]
            if (token.kind == "word" and before.kind == "word"
                    and token.text.upper() in {t.upper() for t in ALL_TESTS}):
                hint = f"; missing ':' after {before.text!r}?"
            self.fail(f"expected '&', '|' or the end of the rule, found {self.found(token)}{hint}")
        return node

    def parse_or(self):
        children = [self.parse_and()]
        while self.is_op(self.peek(), "|", "||") or self.is_keyword(self.peek(), "or"):
            self.next()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self):
        children = [self.parse_not()]
        while self.is_op(self.peek(), "&", "&&") or self.is_keyword(self.peek(), "and"):
            self.next()
            children.append(self.parse_not())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_not(self):
        token = self.peek()
        if self.is_op(token, "!") or self.is_keyword(token, "not"):
            self.next()
            return Not(self.parse_not())
        if self.is_op(token, "("):
            self.next()
            node = self.parse_or()
            if not self.is_op(self.peek(), ")"):
                self.fail(f"expected ')' to close the '(' at position {token.position}, "
                          f"found {self.found(self.peek())}")
            self.next()
            return node
        return self.parse_predicate()

    def parse_predicate(self):
        token = self.next()
        if token.kind not in ("word", "string") or (
                token.kind == "word" and token.text.lower() in KEYWORDS):
            self.fail(f"expected a gene or a column, found {self.found(token)}", token)
        if self.is_op(self.peek(), ":"):
            if token.kind == "string":
                self.fail("a gene name is not quoted", token)
            self.next()
            leaf = GenePredicate(token.text, tuple(self.parse_tests()), token.position)
        else:
            leaf = self.parse_column(token)
        self.leaves.append(leaf)
        return leaf

    def parse_tests(self) -> list[Test]:
        tests = []
        while True:
            token = self.peek()
            if token.kind != "word" or self.is_op(self.peek(1), ":") or (
                    tests and token.text.lower() in KEYWORDS):
                break
            tests.append(self.parse_test())
        if not tests:
            self.fail(f"expected a test after ':' (one of {', '.join(ALL_TESTS)}), "
                      f"found {self.found(self.peek())}")
        return tests

    def parse_test(self) -> Test:
        token = self.next()
        word = token.text
        upper, lower = word.upper(), word.lower()
        if upper in VALUE_TESTS:
            op = self.next()
            if not self.is_op(op, *COMPARISONS):
                self.fail(f"expected a comparison (>=, >, <=, <, =, !=) after {upper}, "
                          f"found {self.found(op)}", op)
            number = self.next()
            if number.kind != "number":
                self.fail(f"expected a number after '{op.text}', found {self.found(number)}",
                          number)
            return Test("value", upper, "==" if op.text == "=" else op.text, number.value)
        if upper in CN_CALL_TESTS:
            return Test("call", upper)
        if upper in MUT_TESTS or upper in ("WILDTYPE", "MUTATED"):
            return Test("mut", {"WILDTYPE": "WT", "MUTATED": "MUT"}.get(upper, upper))
        if lower in CLASS_TESTS:
            return Test("class", lower)
        close = difflib.get_close_matches(upper, [t.upper() for t in ALL_TESTS], n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        self.fail(f"{word!r} is not a gene test (use {', '.join(ALL_TESTS)}){hint}", token)

    def parse_column(self, token: Token) -> ColumnPredicate:
        column = token.value
        nxt = self.peek()
        negate = self.is_keyword(nxt, "not") and self.is_keyword(self.peek(1), "in")
        if negate or self.is_keyword(nxt, "in"):
            self.next()
            if negate:
                self.next()
            if not self.is_op(self.peek(), "["):
                self.fail(f"expected '[' after 'in', found {self.found(self.peek())}")
            self.next()
            values = [self.parse_value()]
            while self.is_op(self.peek(), ","):
                self.next()
                values.append(self.parse_value())
            if not self.is_op(self.peek(), "]"):
                self.fail(f"expected ',' or ']' in the list, found {self.found(self.peek())}")
            self.next()
            return ColumnPredicate(column, "not in" if negate else "in", tuple(values),
                                   token.position)
        if self.is_op(nxt, *COMPARISONS):
            self.next()
            op = "==" if nxt.text == "=" else nxt.text
            value = self.parse_value()
            if op in ("<", "<=", ">", ">=") and not isinstance(value, float):
                self.fail(f"'{op}' needs a number, found {value!r}", self.tokens[self.i - 1])
            return ColumnPredicate(column, op, (value,), token.position)
        return ColumnPredicate(column, None, (), token.position)

    def parse_value(self):
        token = self.next()
        if token.kind in ("number", "string") or (
                token.kind == "word" and token.text.lower() not in KEYWORDS):
            return token.value
        self.fail(f"expected a value, found {self.found(token)}", token)


def parse_rule(text: str, name: str | None = None) -> Rule:
    """Parse rule text into a Rule; RuleError (an InputError) with the 1-based position if not."""
    if not isinstance(text, str):
        raise RuleError(f"a rule is text, not {type(text).__name__}", rule=name, text=str(text))
    parser = _Parser(text, name)
    root = parser.parse()
    return Rule(text, root, name, tuple(parser.leaves))


# --- checking against the panel and the sheet ---------------------------------------------

def _config_rules(config: dict) -> dict[str, tuple[str, str]]:
    """{rule name: (config key, text)} for every rule of the config, population included."""
    cohorts = config.get("cohorts") or {}
    if not isinstance(cohorts, dict):
        raise InputError("config key 'cohorts': expected a mapping of rule name to rule text")
    out = {}
    for name, text in cohorts.items():
        key = f"cohorts.{name}"
        if not RULE_NAME.match(str(name)):
            raise InputError(f"config key '{key}': a rule name may use letters, digits, "
                             "'.', '_' and '-' only")
        out[str(name)] = (key, text)
    pop = config.get(POPULATION_KEY)
    if pop is not None and pop not in cohorts:
        out[POPULATION_KEY] = (POPULATION_KEY, pop)
    return out


def check_rule(rule: Rule, panel_genes, sheet_columns, key: str | None = None) -> None:
    """Raise RuleError naming ``key`` if the rule uses a gene not in the panel, an unknown
    sheet column, or a value a contract column cannot hold."""
    key = key or rule.name
    genes = set(panel_genes)
    columns = {c for c in sheet_columns if c != "_line"}
    for leaf in rule.leaves:
        def fail(message, leaf=leaf):
            raise RuleError(message, rule=key, text=rule.text, position=leaf.position)

        if isinstance(leaf, GenePredicate):
            if leaf.gene not in genes:
                close = difflib.get_close_matches(leaf.gene, sorted(genes), n=1)
                upper = [g for g in genes if g.upper() == leaf.gene.upper()]
                hint = (f"; did you mean {upper[0]}?" if upper else
                        f"; did you mean {close[0]}?" if close else "")
                fail(f"gene {leaf.gene!r} is not in the panel{hint}")
            continue
        if leaf.column not in columns:
            if leaf.column in genes and leaf.op is None:
                fail(f"{leaf.column!r} is a gene: write a test, e.g. '{leaf.column}: AMP'")
            close = difflib.get_close_matches(leaf.column, sorted(columns), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            what = "a rule in 'cohorts' or " if key == POPULATION_KEY and leaf.op is None else ""
            fail(f"{leaf.column!r} is not {what}a column of the patient sheet{hint}")
        if leaf.op is None and leaf.column in NUMERIC_COLUMNS - BOOLEAN_COLUMNS:
            fail(f"column {leaf.column!r} holds numbers, not true/false: compare it, "
                 f"e.g. '{leaf.column} >= 1'")
        if leaf.column in VOCABULARIES and leaf.op is not None:
            allowed = VOCABULARIES[leaf.column]
            for value in leaf.values:
                if value not in allowed:
                    hint = (f"; did you mean {str(value).upper()!r}?"
                            if str(value).upper() in allowed else "")
                    fail(f"{value!r} is not a value of {leaf.column!r} "
                         f"({', '.join(allowed)}){hint}")
        if leaf.column in NUMERIC_COLUMNS and leaf.op is not None:
            for value in leaf.values:
                if not isinstance(value, float):
                    fail(f"column {leaf.column!r} holds numbers; {value!r} is not a number")
        if leaf.column in BOOLEAN_COLUMNS - NUMERIC_COLUMNS and leaf.op is not None:
            for value in leaf.values:
                if _as_bool(value) is None:
                    fail(f"column {leaf.column!r} is true or false; {value!r} is neither")


def check_config(config: dict, panel_genes, sheet_columns) -> dict[str, Rule]:
    """Parse and check every rule of ``cohorts`` and ``analysis_population``.

    Returns {name: Rule} (an inline population rule under the name 'analysis_population').
    Raises InputError naming the config key and the position of the first mistake.
    """
    rules = {}
    names = sorted((config or {}).get("cohorts") or {})
    for name, (key, text) in _config_rules(config or {}).items():
        rule = parse_rule(text, key)
        root = rule.root
        if (name == POPULATION_KEY and isinstance(root, ColumnPredicate) and root.op is None
                and root.column not in set(sheet_columns)):
            close = difflib.get_close_matches(root.column, names, n=1)
            if close:
                raise RuleError(f"{root.column!r} is not a rule in 'cohorts' (did you mean "
                                f"{close[0]}?) or a column of the patient sheet", rule=key,
                                text=text, position=1)
        check_rule(rule, panel_genes, sheet_columns, key)
        rules[name] = Rule(rule.text, rule.root, name, rule.leaves)
    return rules


# --- evaluation -----------------------------------------------------------------------------

def _fmt(values: pd.Series) -> pd.Series:
    """Numbers as short text: 2 decimals at most, no trailing zeros (14.2, 2, 0.35); NaN kept."""
    rounded = values.round(2)
    uniq = pd.unique(rounded.dropna())
    return rounded.map(dict(zip(uniq, (f"{v:g}" for v in uniq), strict=True))).astype(object)


def _join(acc: np.ndarray, piece: np.ndarray, sep: str = "; ") -> np.ndarray:
    """Elementwise 'acc; piece', skipping empty strings."""
    acc = np.asarray(acc, dtype=object)
    piece = np.asarray(piece, dtype=object)
    both = (acc != "") & (piece != "")
    out = np.where(acc == "", piece, acc).astype(object)
    if both.any():
        out[both] = acc[both] + sep + piece[both]
    return out


class _Context:
    """Per-evaluation data: patients in sheet order, one table per gene, the sheet."""

    def __init__(self, alterations: pd.DataFrame, sheet: pd.DataFrame, genes: list[str]):
        self.patients = pd.Index(sheet["patient_id"].astype(str), name="patient_id")
        self.n = len(self.patients)
        self.sheet = sheet.set_index(self.patients)
        self.genes = {}
        self.cache = {}
        if not genes:
            return
        sub = alterations.loc[alterations["gene"].isin(genes)]
        if sub["patient_id"].map(type).ne(str).any():
            sub = sub.assign(patient_id=sub["patient_id"].astype(str))
        dup = sub.duplicated(["patient_id", "gene"])
        if dup.any():
            row = sub.loc[dup].iloc[0]
            raise InputError(f"the cohort table has gene {row['gene']} twice for this patient",
                             patient=row["patient_id"])
        for gene, table in sub.groupby("gene", sort=False):
            self.genes[gene] = table.set_index("patient_id").reindex(self.patients)
        for gene in genes:
            if gene not in self.genes:
                empty = pd.DataFrame(index=self.patients, columns=schema.ALTERATION_COLUMNS[2:])
                self.genes[gene] = empty


def _kleene(known: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return np.where(known, np.where(truth, TRUE, FALSE), UNKNOWN).astype(np.int8)


def _gene_leaf(leaf: GenePredicate, ctx: _Context):
    g = ctx.genes[leaf.gene]
    gene = leaf.gene
    profiled = {s: g[f"{s}_status"].isin(["altered", "wildtype"]).to_numpy()
                for s in ("cn", "mut")}
    cn_tests = [t for t in leaf.tests if t.kind in ("call", "value") or t.word == "ALT"]
    mut_tests = [t for t in leaf.tests if t.kind in ("mut", "class")]
    value = np.full(ctx.n, FALSE, dtype=np.int8)
    for t in leaf.tests:
        if t.kind == "call":
            call = g["cn_call"]
            v = _kleene(profiled["cn"] & call.notna().to_numpy(), (call == t.word).to_numpy())
        elif t.kind == "value":
            x = pd.to_numeric(g[VALUE_TESTS[t.word]], errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                cmp = {"==": x == t.number, "!=": x != t.number, "<": x < t.number,
                       "<=": x <= t.number, ">": x > t.number, ">=": x >= t.number}[t.op]
            v = _kleene(profiled["cn"] & ~np.isnan(x), cmp)
        elif t.word == "ALT":
            cn = _kleene(profiled["cn"], (g["cn_status"] == "altered").to_numpy())
            mut = _kleene(profiled["mut"], (g["mut_status"] == "altered").to_numpy())
            v = np.maximum(cn, mut)
        elif t.kind == "mut":
            altered = (g["mut_status"] == "altered").to_numpy()
            v = _kleene(profiled["mut"], altered if t.word == "MUT" else ~altered)
        else:  # mutation class: mutation_class may list several classes (',' or ';')
            has = g["mut_status"].eq("altered") & g["mutation_class"].astype("string").str \
                .contains(rf"(?:^|[;,]\s*){t.word}(?:$|\s*[;,])", regex=True).fillna(False)
            v = _kleene(profiled["mut"], has.to_numpy(dtype=bool))
        value = np.maximum(value, v)

    facts = np.full(ctx.n, "", dtype=object)
    undecided = np.full(ctx.n, "", dtype=object)
    if cn_tests:
        shown = [("cn", "cn_value")]
        if any(t.word == "FOLD" for t in cn_tests):
            shown.append(("fold", "cn_fold"))
        inner = np.full(ctx.n, "", dtype=object)
        for label, column in shown:
            number = _fmt(pd.to_numeric(g[column], errors="coerce"))
            inner = _join(inner, np.where(number.notna(), label + " " + number.fillna(""), ""),
                          ", ")
        call = g["cn_call"].astype(object).where(g["cn_call"].notna(), "no call").to_numpy()
        text = f"{gene}: " + call.astype(object)
        text = np.where(inner != "", text + " (" + inner + ")", text)
        missing = f"{gene} not profiled for copy number"
        facts = _join(facts, np.where(profiled["cn"], text, missing))
        undecided = _join(undecided, np.where(profiled["cn"], "", missing))
    if mut_tests or any(t.word == "ALT" for t in leaf.tests):
        altered = (g["mut_status"] == "altered").to_numpy()
        change = g["protein_change"].astype(object).where(g["protein_change"].notna(), "")
        mclass = g["mutation_class"].astype(object).where(g["mutation_class"].notna(), "")
        change, mclass = change.to_numpy(dtype=object), mclass.to_numpy(dtype=object)
        text = np.where(change != "", f"{gene}: MUT " + change, f"{gene}: MUT")
        text = np.where(mclass != "", text + " (" + mclass + ")", text)
        missing = f"{gene} not profiled for mutations"
        mut_fact = np.where(profiled["mut"], np.where(altered, text, f"{gene}: WT"), missing)
        facts = _join(facts, mut_fact.astype(object))
        undecided = _join(undecided, np.where(profiled["mut"], "", missing))
    undecided = np.where(value == UNKNOWN, undecided, "")
    return value, facts, undecided


def _as_bool(v):
    """True/False for a true/false-like cell (bool, 0/1, yes/no, ...), else None."""
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | float | np.integer | np.floating):
        return bool(v) if v in (0, 1) else None
    text = str(v).strip().lower()
    return (text in TRUE_WORDS) if text in TRUE_WORDS | FALSE_WORDS else None


def _lookup(col: pd.Series, mapping: dict) -> np.ndarray:
    """col mapped through a {value: bool} dict; values not in it (missing cells) -> False."""
    return col.map(mapping).eq(True).to_numpy(dtype=bool)


def _texts(cells: pd.Series) -> dict:
    """{cell value: its text} over the distinct values (numbers without trailing zeros)."""
    return {v: f"{v:g}" if isinstance(v, float) else str(v) for v in pd.unique(cells)}


def _column_leaf(leaf: ColumnPredicate, ctx: _Context, rule: Rule):
    col = ctx.sheet[leaf.column]
    present = (col.notna() & col.astype(str).str.strip().ne("")).to_numpy(dtype=bool)
    cells = col[present]

    def fail(mask, message):
        patient = col.index[mask][0]
        raise InputError(f"rule {rule.name or rule.text!r}: column {leaf.column!r}: "
                         f"{message(col[patient])}", patient=patient)

    as_bool = {v: _as_bool(v) for v in pd.unique(cells)}
    bool_col = bool(len(cells)) and all(isinstance(v, bool | np.bool_) for v in as_bool)
    if leaf.op is None:
        bad = [v for v, b in as_bool.items() if b is None]
        if bad:
            fail(present & col.isin(bad[:1]).to_numpy(),
                 lambda v: f"{v!r} is not true or false; compare the column, e.g. "
                           f"'{leaf.column} = {v}'")
        truth = _lookup(col, as_bool) & present
    elif bool_col:
        wanted = {_as_bool(v) for v in leaf.values} - {None}
        truth = _lookup(col, {v: b in wanted for v, b in as_bool.items()})
        if leaf.op in ("!=", "not in"):
            truth = ~truth
    else:
        numbers = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        if leaf.op in ("<", "<=", ">", ">="):
            bad = present & np.isnan(numbers)
            if bad.any():
                fail(bad, lambda v: f"{v!r} is not a number (needed for '{leaf.op}')")
            y = leaf.values[0]
            with np.errstate(invalid="ignore"):
                truth = {"<": numbers < y, "<=": numbers <= y, ">": numbers > y,
                         ">=": numbers >= y}[leaf.op]
        else:
            text = col.map(_texts(cells))
            truth = np.zeros(ctx.n, dtype=bool)
            for lit in leaf.values:
                if isinstance(lit, float):
                    truth |= numbers == lit
                else:
                    truth |= (text == lit).to_numpy(dtype=bool)
            if leaf.op in ("!=", "not in"):
                truth = ~truth
    value = _kleene(present, truth)
    if bool_col or leaf.op is None:
        shown = col.map({v: "true" if b else "false" for v, b in as_bool.items()})
        shown = shown.fillna("").to_numpy(dtype=object)
    else:
        shown = col.map(_texts(cells)).fillna("").to_numpy(dtype=object)
    missing = f"{leaf.column} missing"
    facts = np.where(present, f"{leaf.column} = " + shown, missing).astype(object)
    undecided = np.where(value == UNKNOWN, missing, "").astype(object)
    return value, facts, undecided


def _evaluate_node(node, ctx: _Context, rule: Rule):
    """(Kleene values, deciding facts, facts that left it undecided) for every patient."""
    if isinstance(node, GenePredicate | ColumnPredicate):
        key = ((node.gene, node.tests) if isinstance(node, GenePredicate)
               else (node.column, node.op, node.values))
        if key not in ctx.cache:
            ctx.cache[key] = (_gene_leaf(node, ctx) if isinstance(node, GenePredicate)
                              else _column_leaf(node, ctx, rule))
        return ctx.cache[key]
    if isinstance(node, Not):
        value, facts, undecided = _evaluate_node(node.child, ctx, rule)
        return (TRUE - value).astype(np.int8), facts, undecided
    parts = [_evaluate_node(child, ctx, rule) for child in node.children]
    values = np.vstack([p[0] for p in parts])
    is_and = isinstance(node, And)
    value = values.min(axis=0) if is_and else values.max(axis=0)
    # the facts that decide: a false AND by its false parts, a true OR by its true parts,
    # anything else by all parts
    decisive = FALSE if is_and else TRUE
    facts = np.full(ctx.n, "", dtype=object)
    undecided = np.full(ctx.n, "", dtype=object)
    for child_value, child_facts, child_undecided in parts:
        use = (value != decisive) | (child_value == decisive)
        facts = _join(facts, np.where(use, child_facts, ""))
        undecided = _join(undecided, np.where(value == UNKNOWN, child_undecided, ""))
    return value.astype(np.int8), facts, undecided


def _dedupe(text: str) -> str:
    return "; ".join(dict.fromkeys(text.split("; "))) if text else text


def _as_rules(rules) -> dict[str, Rule]:
    if isinstance(rules, Rule):
        return {rules.name or "rule": rules}
    out = {}
    for name, rule in rules.items():
        rule = parse_rule(rule, name) if isinstance(rule, str) else rule
        out[name] = rule if rule.name == name else Rule(rule.text, rule.root, name, rule.leaves)
    return out


def evaluate(rules, alterations: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """Every patient of ``sheet`` x every rule: status eligible/ineligible/unknown and reason.

    ``rules``: {name: Rule or rule text} (or one Rule). Genes must be in ``alterations`` and
    columns in ``sheet`` (InputError otherwise). Rows in sheet order, then rule order. Columns
    schema.ELIGIBILITY_COLUMNS: ``reason`` lists the facts that decided the result,
    ``undecided`` (for ``unknown`` rows) the missing facts that left it open.
    """
    rules = _as_rules(rules)
    genes = sorted({g for r in rules.values() for g in r.genes()})
    known_genes = set(alterations["gene"]) if len(alterations) else set(genes)
    for name, rule in rules.items():
        check_rule(rule, known_genes, sheet.columns, name)
    if len(alterations) and len(sheet):
        seen = pd.Index(pd.unique(alterations["patient_id"])).astype(str)
        missing = ~sheet["patient_id"].astype(str).isin(seen)
        if missing.any():
            raise InputError("has no rows in the cohort table (patient ids of the sheet and "
                             "the table differ?)", patient=sheet["patient_id"][missing].iloc[0])
    ctx = _Context(alterations, sheet, genes)
    frames = []
    for order, (name, rule) in enumerate(rules.items()):
        value, facts, undecided = _evaluate_node(rule.root, ctx, rule)
        subjects = Counter(getattr(leaf, "gene", None) or leaf.column for leaf in rule.leaves)
        if max(subjects.values(), default=0) > 1:  # two facts about one gene may coincide
            facts = pd.Series(facts).map(_dedupe).to_numpy(dtype=object)
            undecided = pd.Series(undecided).map(_dedupe).to_numpy(dtype=object)
        frames.append(pd.DataFrame({
            "patient_id": ctx.patients, "rule": name,
            "status": pd.Series(value).map(STATUS_NAMES).to_numpy(),
            "reason": facts, "undecided": undecided, "_patient": np.arange(ctx.n),
            "_rule": order}))
    if not frames:
        return pd.DataFrame(columns=schema.ELIGIBILITY_COLUMNS)
    table = pd.concat(frames, ignore_index=True).sort_values(["_patient", "_rule"], kind="stable")
    table["undecided"] = table["undecided"].replace("", None)
    return table.reset_index(drop=True).reindex(columns=schema.ELIGIBILITY_COLUMNS)


# --- summaries and the analysis population --------------------------------------------------

def eligibility_summary(eligibility: pd.DataFrame, rules: dict | None = None) -> pd.DataFrame:
    """Counts per rule (the order of ``rules``, then of the table): n, eligible, ineligible,
    unknown, and why patients were undecided (each missing fact with its count, most frequent
    first). ``rules`` ({name: Rule or text}) supplies the definitions."""
    rows = []
    texts = {n: (r.text if isinstance(r, Rule) else r) for n, r in (rules or {}).items()}
    names = list(dict.fromkeys(list(texts) + list(pd.unique(eligibility["rule"]))))
    for name in names:
        part = eligibility[eligibility["rule"] == name]
        counts = part["status"].value_counts()
        why = Counter(fact for text in part.loc[part["status"] == "unknown", "undecided"]
                      .dropna() for fact in str(text).split("; ") if fact)
        rows.append({
            "rule": name, "definition": texts.get(name), "n": len(part),
            **{s: int(counts.get(s, 0)) for s in ("eligible", "ineligible", "unknown")},
            "undecided_because": "; ".join(f"{k}: {v}" for k, v in
                                           sorted(why.items(), key=lambda kv: (-kv[1], kv[0]))),
        })
    return pd.DataFrame(rows, columns=schema.ELIGIBILITY_SUMMARY_COLUMNS)


def eligible_patients(eligibility: pd.DataFrame) -> dict[str, list[str]]:
    """{rule: eligible patient ids in table order}."""
    ok = eligibility[eligibility["status"] == "eligible"]
    return {name: list(ok.loc[ok["rule"] == name, "patient_id"])
            for name in pd.unique(eligibility["rule"])}


def population_rule(config: dict) -> tuple[str, str] | None:
    """(name, text) of the analysis population: a rule of ``cohorts`` or an inline rule."""
    pop = (config or {}).get(POPULATION_KEY)
    if pop is None or pop == "":
        return None
    cohorts = config.get("cohorts") or {}
    return (pop, cohorts[pop]) if pop in cohorts else (POPULATION_KEY, pop)


def population(config: dict, alterations: pd.DataFrame,
               sheet: pd.DataFrame) -> tuple[list[str], str]:
    """The patients the statistics use (eligible under ``analysis_population``; patients the
    rule cannot decide are left out) and a one-line description naming the rule and how many
    patients it excluded and why."""
    which = population_rule(config)
    if which is None:
        return list(sheet["patient_id"]), f"all patients (n = {len(sheet)})"
    name, text = which
    key = f"cohorts.{name}" if name != POPULATION_KEY else POPULATION_KEY
    rule = parse_rule(text, key)
    genes = set(alterations["gene"]) if len(alterations) else set()
    check_rule(rule, genes, sheet.columns, key)
    table = evaluate({name: rule}, alterations, sheet)
    keep = list(table.loc[table["status"] == "eligible", "patient_id"])
    summary = eligibility_summary(table, {name: rule}).iloc[0]
    label = f"{text} (rule {name})" if name != POPULATION_KEY else text
    excluded = len(sheet) - len(keep)
    desc = f"{label}: {len(keep)} of {len(sheet)} patients"
    if excluded:
        parts = [f"{summary['ineligible']} ineligible"] if summary["ineligible"] else []
        if summary["unknown"]:
            parts.append(f"{summary['unknown']} unknown - {summary['undecided_because']}")
        desc += f"; excluded {excluded} (" + "; ".join(parts) + ")"
    return keep, desc
