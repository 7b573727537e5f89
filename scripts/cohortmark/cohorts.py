"""Biomarker-defined cohorts: a small rule language over the cohort tables and the patient sheet.

A rule is text such as ``MDM2: AMP & TP53: WT``, ``BRAF: V600E``, ``ALK: FUSION``,
``EML4::ALK``, ``TMB >= 10 | MSI: HIGH`` or ``MDM2: CN >= 12 & evaluable``; it is tokenised
and parsed by hand (no ``eval``) into a tree and evaluated for every patient at once with
three-valued (Kleene) logic: a test on a gene the patient was not profiled for is ``unknown``;
``unknown & false = false``, ``unknown | true = true``, ``!unknown = unknown``.

Grammar (keywords case-insensitive; genes and columns case-sensitive)::

    rule      := or
    or        := and (('|' | '||' | 'or') and)*
    and       := not (('&' | '&&' | 'and') not)*
    not       := ('!' | 'not') not | '(' or ')' | predicate
    predicate := GENE ':' test+             (several tests on one gene: any of them, as OQL)
               | GENE '::' GENE             (fusion, 5' partner first: EML4::ALK, as OQL)
               | GENE '::' | '::' GENE      (GENE as 5' / 3' partner of any gene)
               | GENE '::-' | '-::' GENE    (GENE joined to no gene: intergenic or unknown)
               | 'TMB' op number            (patient level: mutations per Mb)
               | 'MSI_SCORE' op number      (patient level: % unstable sites)
               | 'MSI' ':' status+          (HIGH / MSI-H / H, STABLE / MSS / S)
               | COLUMN                     (a true/false column, e.g. evaluable)
               | COLUMN op value            (op: = == != < <= > >=)
               | COLUMN ['not'] 'in' '[' value (',' value)* ']'
    test      := AMP | GAIN | NEUTRAL | LOSS | HOMDEL          (cn_call)
               | MUT | WT | ALT                                (mut_status; ALT = CN or mutation)
               | CN op number | FOLD op number                 (cn_value, cn_fold)
               | truncating | splice | missense | inframe | other   (mutation class of a variant)
               | TRUNC | MISSENSE | INFRAME | SPLICE           (OQL names of those classes)
               | NONSENSE | FRAMESHIFT | NONSTART | NONSTOP    (OQL consequence types)
               | CHANGE | 'MUT' '=' CHANGE | 'MUT' '!=' CHANGE (a protein change, OQL style)
               | EXON<n> | EXON<n>_DEL | EXON<n>_INS | EXON<n>_SKIPPING   (exon-level classes)
               | FUSION | GENE '::' FUSION | FUSION '::' GENE   (any fusion; with a 5' / 3'
               | FUSION '::' | '::' FUSION | FUSION '::-' | '-::' FUSION   partner, as OQL)
    CHANGE    := V600E | p.V600E | p.Val600Glu | V600 (any change at the codon) | E746_A750del
               | R213* | "p.(Arg213Ter)" ...         (compared in normalised HGVS notation)
    value     := number | word | "quoted text" | 'quoted text'

Tests on single variants (a protein change, a codon, a consequence type, an exon class, and the
mutation classes when the variant table is given) look at every variant of the gene in
``mutations.tsv``, not only at the gene row's most severe class. Fusion tests with a partner
look at ``structural_variants.tsv``; the 5'/3' direction is honoured when the caller reports it
(RNA callers, cBioPortal) and either way round otherwise (SV VCFs). TMB and MSI come from the
patient-level table.

Positions in messages are 1-based character positions in the rule text.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import protein, schema
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
OQL_CLASSES = {"TRUNC": "truncating", "MISSENSE": "missense", "INFRAME": "inframe",
               "SPLICE": "splice"}
# OQL consequence types -> Sequence Ontology terms (VEP, SnpEff) and MAF Variant_Classification
OQL_TYPES = {
    "NONSENSE": {"stop_gained", "Nonsense_Mutation"},
    "FRAMESHIFT": {"frameshift_variant", "Frame_Shift_Del", "Frame_Shift_Ins"},
    "NONSTART": {"start_lost", "initiator_codon_variant", "Translation_Start_Site"},
    "NONSTOP": {"stop_lost", "Nonstop_Mutation"},
}
EXON_TEST = re.compile(r"^EXON(\d+)(?:_(DEL|INS|SKIPPING|SKIP))?$", re.IGNORECASE)
FUSION = "FUSION"
MSI_WORDS = {"HIGH": "MSI-H", "H": "MSI-H", "MSI-H": "MSI-H", "MSIH": "MSI-H",
             "STABLE": "MSS", "MSS": "MSS", "S": "MSS", "INDETERMINATE": "indeterminate"}
# patient-level biomarkers (schema.BIOMARKER_COLUMNS), case-insensitive names in rules
BIOMARKERS = {"TMB": "tmb", "MSI_SCORE": "msi_score", "MSI": "msi_status"}
TEST_HELP = ("AMP, GAIN, NEUTRAL, LOSS, HOMDEL, CN >= x, FOLD >= x, MUT, WT, ALT, a mutation "
             "class (truncating, splice, missense, inframe, other; OQL TRUNC, NONSENSE, "
             "FRAMESHIFT, NONSTART, NONSTOP), a protein change (V600E, G12, MUT = V600E), "
             "EXON19_DEL, EXON20_INS, EXON14_SKIPPING, FUSION, EML4::FUSION")
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
    """One test on a gene. kind: "call", "mut", "class", "value" (gene row); "variant" (single
    variants: ``arg`` = ("change", Change, negate) | ("type", OQL type) | ("exon", n, what));
    "fusion" (``arg`` None for any fusion, else (5' spec, 3' spec): a gene, "*" any partner,
    None no partner gene)."""

    kind: str
    word: str  # AMP, MUT, truncating, CN, V600E, EXON19_DEL, FUSION, EML4::FUSION ...
    op: str | None = None
    number: float | None = None
    arg: tuple | None = None

    def __str__(self):
        return f"{self.word} {self.op} {self.number:g}" if self.op else self.word


def _fusion_text(five, three) -> str:
    side = {"*": "", None: "-"}
    return f"{side.get(five, five)}::{side.get(three, three)}"


@dataclass(frozen=True)
class FusionPredicate:
    """``EML4::ALK`` (OQL): a call joining ``five`` (5') to ``three`` (3'); "*" is any gene,
    None no gene (intergenic or unknown partner)."""

    five: str | None
    three: str | None
    position: int

    def genes(self) -> list[str]:
        return [g for g in (self.five, self.three) if g not in ("*", None)]

    def __str__(self):
        return _fusion_text(self.five, self.three)


@dataclass(frozen=True)
class BiomarkerPredicate:
    """A patient-level biomarker: ``TMB >= 10``, ``MSI_SCORE > 20``, ``MSI: HIGH``."""

    name: str  # TMB, MSI_SCORE, MSI
    op: str
    values: tuple
    position: int = 0

    def __str__(self):
        if self.name == "MSI" and self.op == "in":
            return "MSI: " + " ".join(self.values)
        if self.op in ("in", "not in"):
            return f"{self.name} {self.op} [{', '.join(map(str, self.values))}]"
        value = self.values[0]
        return f"{self.name} {self.op} {value:g}" if isinstance(value, float) else \
            f"{self.name} {self.op} {value}"


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
        """Genes of ``GENE: tests`` predicates (each must be in the panel)."""
        return sorted({p.gene for p in self.leaves if isinstance(p, GenePredicate)})

    def fusion_genes(self) -> list[str]:
        """Genes named by ``A::B`` predicates (one of each pair must be in the panel)."""
        return sorted({g for p in self.leaves if isinstance(p, FusionPredicate)
                       for g in p.genes()})

    def columns(self) -> list[str]:
        return sorted({p.column for p in self.leaves if isinstance(p, ColumnPredicate)})

    def biomarkers(self) -> list[str]:
        return sorted({p.name for p in self.leaves if isinstance(p, BiomarkerPredicate)})

    def __str__(self):
        return str(self.root)


# --- tokeniser and parser -----------------------------------------------------------------

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_]))
  | (?P<op>-::|::-|::)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.\-*]*)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<op2>&&|\|\||==|!=|<=|>=|[&|!()\[\],:=<>])
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
            kind = "op" if m.lastgroup == "op2" else m.lastgroup
            tokens.append(Token(kind, m.group(), i + 1))
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
        if self.is_op(token, "::", "-::"):  # ::ALK, -::ALK
            leaf = FusionPredicate("*" if token.text == "::" else None,
                                   self.fusion_gene(), token.position)
            self.leaves.append(leaf)
            return leaf
        if token.kind not in ("word", "string") or (
                token.kind == "word" and token.text.lower() in KEYWORDS):
            self.fail(f"expected a gene or a column, found {self.found(token)}", token)
        if token.kind == "word" and self.is_op(self.peek(), "::", "::-"):
            op = self.next()
            if op.text == "::-":
                three = None
            elif self.peek().kind == "word" and self.peek().text.lower() not in KEYWORDS:
                three = self.fusion_gene()
            else:
                three = "*"
            leaf = FusionPredicate(token.text, three, token.position)
        elif self.is_op(self.peek(), ":"):
            if token.kind == "string":
                self.fail("a gene name is not quoted", token)
            self.next()
            if token.text.upper() == "MSI":
                leaf = BiomarkerPredicate("MSI", "in", tuple(self.parse_msi()), token.position)
            else:
                leaf = GenePredicate(token.text, tuple(self.parse_tests(token.text)),
                                     token.position)
        else:
            leaf = self.parse_column(token)
            name = str(leaf.column).upper()
            if token.kind == "word" and name in BIOMARKERS:
                leaf = self.biomarker(leaf, name)
        self.leaves.append(leaf)
        return leaf

    def fusion_gene(self) -> str:
        token = self.next()
        if token.kind != "word" or token.text.lower() in KEYWORDS:
            self.fail(f"expected a gene after '::', found {self.found(token)}", token)
        if token.text.upper() == FUSION:
            self.fail("'FUSION' is a test: write 'ALK: FUSION', 'ALK: EML4::FUSION' or "
                      "'EML4::ALK'", token)
        return token.text

    def parse_msi(self) -> list[str]:
        values = []
        while self.peek().kind == "word" and not (values and self.peek().text.lower() in KEYWORDS):
            token = self.next()
            status = MSI_WORDS.get(token.text.upper())
            if status is None:
                self.fail(f"{token.text!r} is not an MSI status (HIGH, MSI-H, H, STABLE, MSS, S, "
                          "INDETERMINATE)", token)
            values.append(status)
        if not values:
            self.fail(f"expected an MSI status after ':' (HIGH or STABLE), found "
                      f"{self.found(self.peek())}")
        return list(dict.fromkeys(values))

    def biomarker(self, leaf: ColumnPredicate, name: str) -> BiomarkerPredicate:
        """``TMB >= 10``, ``MSI_SCORE > 20``, ``MSI = MSI-H``, ``MSI in [MSI-H, MSS]``."""
        token = self.tokens[self.i - 1]
        if leaf.op is None:
            self.fail(f"{name} is a patient-level biomarker: compare it, e.g. "
                      f"{'MSI: HIGH' if name == 'MSI' else name + ' >= 10'}",
                      self.tokens[self.i - 1])
        if name == "MSI":
            if leaf.op not in ("==", "!=", "in", "not in"):
                self.fail("MSI is a status: use 'MSI: HIGH', 'MSI = MSI-H' or compare "
                          "MSI_SCORE", token)
            values = []
            for v in leaf.values:
                status = MSI_WORDS.get(str(v).upper())
                if status is None:
                    self.fail(f"{v!r} is not an MSI status (MSI-H, MSS, indeterminate)", token)
                values.append(status)
            op = {"==": "in", "!=": "not in"}.get(leaf.op, leaf.op)
            return BiomarkerPredicate("MSI", op, tuple(values), leaf.position)
        for v in leaf.values:
            if not isinstance(v, float):
                self.fail(f"{name} is a number; {v!r} is not a number", token)
        return BiomarkerPredicate(name, leaf.op, leaf.values, leaf.position)

    def parse_tests(self, gene: str) -> list[Test]:
        tests = []
        while True:
            token = self.peek()
            starts = token.kind in ("word", "string") or self.is_op(token, "::", "-::")
            if not starts or self.is_op(self.peek(1), ":") or (
                    tests and token.kind == "word" and token.text.lower() in KEYWORDS):
                break
            if (tests and token.kind == "word" and self.is_op(self.peek(1), "::")
                    and not (self.peek(2).kind == "word" and self.peek(2).text.upper() == FUSION)):
                break  # the next predicate (A::B) written without '&': reported by parse()
            tests.append(self.parse_test(gene))
        if not tests:
            self.fail(f"expected a test after ':' (one of {', '.join(ALL_TESTS)}, ...), "
                      f"found {self.found(self.peek())}")
        return tests

    def expect_fusion(self):
        token = self.next()
        if not (token.kind == "word" and token.text.upper() == FUSION):
            self.fail(f"expected FUSION, found {self.found(token)}", token)

    def parse_test(self, gene: str) -> Test:
        token = self.next()
        if self.is_op(token, "::", "-::"):  # ::FUSION, -::FUSION
            self.expect_fusion()
            five = "*" if token.text == "::" else None
            return Test("fusion", f"{token.text}FUSION", arg=(five, gene))
        if token.kind == "string":
            return self.variant_test(token.value, token, negate=False, quoted=True)
        word = token.text
        upper, lower = word.upper(), word.lower()
        if upper == FUSION:
            if self.is_op(self.peek(), "::-"):
                self.next()
                return Test("fusion", "FUSION::-", arg=(gene, None))
            if self.is_op(self.peek(), "::"):
                self.next()
                nxt = self.peek()
                if nxt.kind == "word" and nxt.text.lower() not in KEYWORDS and not \
                        self.is_op(self.peek(1), ":", "::"):
                    partner = self.next().text
                    return Test("fusion", f"FUSION::{partner}", arg=(gene, partner))
                return Test("fusion", "FUSION::", arg=(gene, "*"))
            return Test("fusion", FUSION)
        if self.is_op(self.peek(), "::"):  # EML4::FUSION (5' partner EML4)
            self.next()
            self.expect_fusion()
            return Test("fusion", f"{word}::FUSION", arg=(word, gene))
        if upper == "MUT" and self.is_op(self.peek(), "=", "==", "!="):
            op = self.next()
            value = self.next()
            if value.kind not in ("word", "string", "number"):
                self.fail(f"expected a protein change or mutation type after '{op.text}', "
                          f"found {self.found(value)}", value)
            return self.variant_test(str(value.value), value, negate=op.text == "!=",
                                     prefix=f"MUT {op.text} ", quoted=value.kind == "string")
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
        if upper in OQL_CLASSES:
            return Test("class", OQL_CLASSES[upper])
        return self.variant_test(word, token, negate=False)

    def variant_test(self, text: str, token: Token, negate: bool, prefix: str = "",
                     quoted: bool = False) -> Test:
        """A test on single variants: protein change / codon, OQL type, exon class."""
        upper = text.upper()
        shown = prefix + (f'"{text}"' if quoted else text)
        if not negate and (upper in OQL_TYPES or upper in OQL_CLASSES or
                           text.lower() in CLASS_TESTS):
            if upper in OQL_TYPES:
                return Test("variant", upper, arg=("type", upper))
            return Test("class", OQL_CLASSES.get(upper, text.lower()))
        if negate and (upper in OQL_TYPES or upper in OQL_CLASSES or text.lower() in CLASS_TESTS):
            what = upper if upper in OQL_TYPES else OQL_CLASSES.get(upper, text.lower())
            return Test("variant", shown, arg=("not_type", what))
        m = EXON_TEST.match(text)
        if m and not negate:
            what = {"SKIP": "SKIPPING"}.get((m.group(2) or "").upper(), (m.group(2) or "").upper())
            label = f"EXON{int(m.group(1))}" + (f"_{what}" if what else "")
            return Test("variant", label, arg=("exon", int(m.group(1)), what))
        if protein.LOOKS_LIKE.match(text):
            change = protein.parse(text)
            if change is not None and protein.is_valid(change):
                return Test("variant", shown, arg=("change", change, negate))
            if change is not None:
                self.fail(f"{text!r} is not a readable protein change ({change.rest!r} after "
                          f"{change.ref}{change.pos}; e.g. V600E, G12, R213*, E746_A750del, "
                          "R213Lfs*5)", token)
        if prefix:
            self.fail(f"{text!r} is not a protein change (e.g. V600E, G12, p.Val600Glu) or a "
                      "mutation type (MISSENSE, NONSENSE, NONSTART, NONSTOP, FRAMESHIFT, "
                      "INFRAME, SPLICE, TRUNC)", token)
        close = difflib.get_close_matches(upper, [t.upper() for t in ALL_TESTS], n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        self.fail(f"{text!r} is not a gene test (use {TEST_HELP}){hint}", token)

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
                fail(f"gene {leaf.gene!r} is not in the panel{_gene_hint(leaf.gene, genes)}")
            continue
        if isinstance(leaf, FusionPredicate):
            named = leaf.genes()
            if not any(g in genes for g in named):
                which = " nor ".join(repr(g) for g in named)
                fail(f"{'neither ' if len(named) > 1 else 'gene '}{which} is"
                     f"{'' if len(named) > 1 else ' not'} in the panel (a fusion rule needs "
                     f"one partner in the panel){_gene_hint(named[0], genes)}")
            continue
        if isinstance(leaf, BiomarkerPredicate):
            continue
        if leaf.column not in columns:
            pair = _fusion_pair(str(leaf.column), genes)
            if pair:
                fail(f"{leaf.column!r} is not a column; for a fusion write {pair}")
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


def _fusion_pair(text: str, genes: set) -> str | None:
    """'EML4::ALK' for 'EML4-ALK' / 'EML4--ALK' when one of the two is a panel gene."""
    parts = [p for p in re.split(r"--|-", text) if p]
    if len(parts) == 2 and any(p in genes for p in parts):
        return f"'{parts[0]}::{parts[1]}' (OQL: 5' gene first)"
    return None


def _gene_hint(gene: str, genes: set) -> str:
    pair = _fusion_pair(gene, genes)
    if pair:
        return f"; for a fusion write {pair}"
    upper = [g for g in genes if g.upper() == gene.upper()]
    close = difflib.get_close_matches(gene, sorted(genes), n=1)
    return (f"; did you mean {upper[0]}?" if upper else
            f"; did you mean {close[0]}?" if close else "")


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
    """Per-evaluation data: patients in sheet order, one table per gene, the sheet, and (when
    given) the variant table, the structural-variant calls and the patient-level table."""

    def __init__(self, alterations: pd.DataFrame, sheet: pd.DataFrame, genes: list[str],
                 mutations: pd.DataFrame | None = None,
                 structural_variants: pd.DataFrame | None = None,
                 patients: pd.DataFrame | None = None):
        self.patients = pd.Index(sheet["patient_id"].astype(str), name="patient_id")
        self.n = len(self.patients)
        self.sheet = sheet.set_index(self.patients)
        self.genes = {}
        self.cache = {}
        self.mutations, self.structural_variants = mutations, structural_variants
        self.patient_table = patients
        self._variants: dict[str, pd.DataFrame] | None = None
        self._calls: pd.DataFrame | None = None
        self._biomarkers: pd.DataFrame | None = None
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

    def _positions(self, ids: pd.Series) -> np.ndarray:
        return self.patients.get_indexer(ids.astype(str))

    def variants(self, gene: str) -> pd.DataFrame:
        """The gene's alteration-class variants (mutation_class set), with ``sheet_row`` = the
        patient's position in the sheet."""
        if self.mutations is None:
            raise InputError(f"a rule tests single variants of {gene} (a protein change, codon, "
                             "exon or consequence) but no variant table (mutations.tsv) was "
                             "given")
        if self._variants is None:
            m = self.mutations
            cls = m["mutation_class"].astype("string").fillna("")
            m = m.loc[cls.ne("").to_numpy()]
            m = m.assign(sheet_row=self._positions(m["patient_id"]))
            m = m[m["sheet_row"] >= 0]
            self._variants = {g: t for g, t in m.groupby("gene", sort=False)}
        empty = pd.DataFrame(columns=schema.MUTATION_COLUMNS + ["sheet_row"])
        return self._variants.get(gene, empty)

    def calls(self) -> pd.DataFrame:
        """Structural-variant calls with ``sheet_row``."""
        if self.structural_variants is None:
            raise InputError("a rule names a fusion partner (e.g. EML4::ALK) but no "
                             "structural-variant table (structural_variants.tsv) was given")
        if self._calls is None:
            c = self.structural_variants
            c = c.assign(sheet_row=self._positions(c["patient_id"]),
                         gene_a=c["gene_a"].astype("string").fillna(""),
                         gene_b=c["gene_b"].astype("string").fillna(""))
            self._calls = c[c["sheet_row"] >= 0]
        return self._calls

    def biomarkers(self) -> pd.DataFrame:
        """The patient-level table (schema.BIOMARKER_COLUMNS) in sheet order."""
        if self.patient_table is None:
            raise InputError("a rule uses TMB or MSI but no patient-level table (patients.tsv) "
                             "was given")
        if self._biomarkers is None:
            t = self.patient_table.assign(patient_id=self.patient_table["patient_id"].astype(str))
            t = t.drop_duplicates("patient_id").set_index("patient_id")
            self._biomarkers = t.reindex(self.patients).reindex(
                columns=list(dict.fromkeys(list(t.columns) + schema.BIOMARKER_COLUMNS)))
        return self._biomarkers


def _kleene(known: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return np.where(known, np.where(truth, TRUE, FALSE), UNKNOWN).astype(np.int8)


def _ranks(text) -> set[int]:
    """Exon/intron numbers of an annotation cell: '19/28' -> {19}; '18-19/28' -> {18, 19}."""
    head = str(text or "").split("/")[0].strip()
    if not head or head in ("nan", "<NA>", "NA", "."):
        return set()
    out = set()
    for part in head.replace(",", "-").split("-"):
        if part.strip().isdigit():
            out.add(int(part))
    if "-" in head and len(out) == 2:
        lo, hi = sorted(out)
        out = set(range(lo, hi + 1))
    return out


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) or \
        value is pd.NA else str(value)


def _variant_match(arg, row) -> tuple[bool, bool]:
    """(matches, undecided) of one alteration-class variant (a namedtuple row) for a variant
    test ``arg``: undecided when the annotation needed to judge it is missing."""
    kind = arg[0]
    cls, cons = _text(row.mutation_class), _text(row.consequence)
    change = protein.normalise(_text(row.protein_change))
    if kind == "class":
        return cls == arg[1], False
    if kind in ("type", "not_type"):
        what = arg[1]
        if what in OQL_TYPES:
            if not cons or cons in ("other",):
                return False, True
            hit = bool(set(cons.split("&")) & OQL_TYPES[what])
        else:
            hit = cls == what
        return (hit, False) if kind == "type" else (not hit, False)
    if kind == "change":
        want, negate = arg[1], arg[2]
        if not change:  # splice-site variants have no protein change: they cannot match
            return False, cls != "splice"
        hit = protein.matches(want, change)
        if hit is None:
            return False, True
        return (not hit if negate else hit), False
    n, what = arg[1], arg[2]  # exon tests
    exons = _ranks(getattr(row, "exon", ""))
    introns = _ranks(getattr(row, "intron", ""))
    if not exons and not introns:
        return False, True
    if what == "":
        return n in exons, False
    if what in ("DEL", "INS"):
        if n not in exons or cls != "inframe":
            return False, False
        if what == "DEL":
            hit = "del" in change or "deletion" in cons or cons == "In_Frame_Del"
        else:
            hit = ("ins" in change or "dup" in change or "insertion" in cons
                   or cons == "In_Frame_Ins")
        return hit, False
    if cls != "splice":  # SKIPPING: a splice-site variant at exon n's acceptor or donor
        return False, False
    acceptor, donor = "splice_acceptor" in cons, "splice_donor" in cons
    if n in exons:
        return True, False
    if acceptor or donor:
        return (acceptor and (n - 1) in introns) or (donor and n in introns), False
    return (n - 1) in introns or n in introns, False  # MAF Splice_Site: side not known


_UNDECIDED = {"change": "protein change not annotated", "type": "consequence not annotated",
              "not_type": "consequence not annotated", "exon": "exon not annotated"}


def _variant_value(arg, gene: str, ctx: _Context, profiled: np.ndarray):
    """Kleene value of a test on single variants of ``gene`` and, per patient, why undecided."""
    v = ctx.variants(gene)
    true_p, und_p = set(), set()
    for row in v.itertuples(index=False):
        hit, undecided = _variant_match(arg, row)
        if hit:
            true_p.add(row.sheet_row)
        elif undecided:
            und_p.add(row.sheet_row)
    value = np.full(ctx.n, FALSE, dtype=np.int8)
    reason = np.full(ctx.n, "", dtype=object)
    if und_p:
        idx = np.fromiter(und_p, dtype=int)
        value[idx] = UNKNOWN
        reason[idx] = f"{gene} {_UNDECIDED[arg[0]]}" if arg[0] in _UNDECIDED else ""
    if true_p:
        idx = np.fromiter(true_p, dtype=int)
        value[idx] = TRUE
        reason[idx] = ""
    value[~profiled] = UNKNOWN
    reason[~profiled] = ""
    return value, reason


def _sv_profiled(g: pd.DataFrame) -> np.ndarray:
    if "sv_status" not in g.columns:
        return np.zeros(len(g), dtype=bool)
    return g["sv_status"].isin(["altered", "wildtype"]).to_numpy()


def _side(spec, genes: pd.Series) -> np.ndarray:
    if spec == "*":
        return np.ones(len(genes), dtype=bool)
    if spec is None:
        return (genes == "").to_numpy(dtype=bool)
    return (genes == spec).to_numpy(dtype=bool)


def _fusion_value(spec, g: pd.DataFrame, ctx: _Context) -> np.ndarray:
    """Kleene value of a fusion test: any fusion of the gene (spec None, from sv_status) or a
    call joining spec's 5' and 3' sides (either way round when the caller does not know the
    direction)."""
    profiled = _sv_profiled(g)
    if spec is None:
        altered = (g["sv_status"] == "altered").to_numpy(dtype=bool) if "sv_status" in g \
            else np.zeros(ctx.n, dtype=bool)
        return _kleene(profiled, altered)
    five, three = spec
    c = ctx.calls()
    ordered = (c["gene_order"] == "5'-3'").to_numpy(dtype=bool)
    a, b = c["gene_a"], c["gene_b"]
    match = (_side(five, a) & _side(three, b)) | (~ordered & _side(five, b) & _side(three, a))
    named = [x for x in spec if x not in ("*", None)]
    if named:  # the named partner(s) must be on the call ('*' alone would match any call)
        involved = np.zeros(len(c), dtype=bool)
        for gene in named:
            involved |= ((a == gene) | (b == gene)).to_numpy(dtype=bool)
        match &= involved
    truth = np.zeros(ctx.n, dtype=bool)
    truth[c["sheet_row"].to_numpy()[match]] = True
    return _kleene(profiled, truth)


def _sv_facts(gene: str, g: pd.DataFrame, n: int):
    profiled = _sv_profiled(g)
    missing = f"{gene} not profiled for fusions"
    if "sv_status" not in g.columns:
        return np.full(n, missing, dtype=object), np.full(n, missing, dtype=object)
    partners = g["sv_partners"].astype(object).where(g["sv_partners"].notna(), "")
    partners = partners.to_numpy(dtype=object)
    altered = (g["sv_status"] == "altered").to_numpy(dtype=bool)
    text = np.where(partners != "", f"{gene}: FUSION (" + partners + ")", f"{gene}: FUSION")
    facts = np.where(profiled, np.where(altered, text, f"{gene}: no fusion"), missing)
    return facts.astype(object), np.where(profiled, "", missing).astype(object)


def _gene_leaf(leaf: GenePredicate, ctx: _Context):
    g = ctx.genes[leaf.gene]
    gene = leaf.gene
    profiled = {s: g[f"{s}_status"].isin(["altered", "wildtype"]).to_numpy()
                for s in ("cn", "mut")}
    per_variant = ctx.mutations is not None
    has_sv = "sv_status" in g.columns
    cn_tests = [t for t in leaf.tests if t.kind in ("call", "value") or t.word == "ALT"]
    mut_tests = [t for t in leaf.tests if t.kind in ("mut", "class", "variant")]
    sv_tests = [t for t in leaf.tests if t.kind == "fusion" or (t.word == "ALT" and has_sv)]
    value = np.full(ctx.n, FALSE, dtype=np.int8)
    specific = np.full(ctx.n, "", dtype=object)  # why a variant test is undecided
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
        elif t.word == "ALT":  # any alteration: copy number, mutation (and fusion when read)
            cn = _kleene(profiled["cn"], (g["cn_status"] == "altered").to_numpy())
            mut = _kleene(profiled["mut"], (g["mut_status"] == "altered").to_numpy())
            v = np.maximum(cn, mut)
            if has_sv:
                v = np.maximum(v, _fusion_value(None, g, ctx))
        elif t.kind == "mut":
            altered = (g["mut_status"] == "altered").to_numpy()
            v = _kleene(profiled["mut"], altered if t.word == "MUT" else ~altered)
        elif t.kind == "fusion":
            v = _fusion_value(t.arg, g, ctx)
        elif t.kind == "variant" or per_variant:  # every variant, not the most severe class
            arg = t.arg if t.kind == "variant" else ("class", t.word)
            v, why = _variant_value(arg, gene, ctx, profiled["mut"])
            specific = _join(specific, np.where(v == UNKNOWN, why, ""))
        else:  # mutation class of the gene row (no variant table)
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
        undecided = _join(undecided, np.where(profiled["mut"], specific, missing))
    if sv_tests:
        sv_facts, sv_missing = _sv_facts(gene, g, ctx.n)
        facts = _join(facts, sv_facts)
        undecided = _join(undecided, sv_missing)
    undecided = np.where(value == UNKNOWN, undecided, "")
    return value, facts, undecided


def _fusion_leaf(leaf: FusionPredicate, ctx: _Context):
    anchor = next(g for g in leaf.genes() if g in ctx.genes)
    g = ctx.genes[anchor]
    value = _fusion_value((leaf.five, leaf.three), g, ctx)
    facts, missing = _sv_facts(anchor, g, ctx.n)
    return value, facts, np.where(value == UNKNOWN, missing, "").astype(object)


def _biomarker_leaf(leaf: BiomarkerPredicate, ctx: _Context):
    table = ctx.biomarkers()
    if leaf.name in ("TMB", "MSI_SCORE"):
        x = pd.to_numeric(table[BIOMARKERS[leaf.name]], errors="coerce").to_numpy(dtype=float)
        y = leaf.values[0] if leaf.op not in ("in", "not in") else None
        with np.errstate(invalid="ignore"):
            if leaf.op in ("in", "not in"):
                cmp = np.isin(x, [float(v) for v in leaf.values])
                cmp = ~cmp if leaf.op == "not in" else cmp
            else:
                cmp = {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y,
                       ">=": x >= y}[leaf.op]
        known = ~np.isnan(x)
        label = "TMB" if leaf.name == "TMB" else "MSI score"
        unit = "/Mb" if leaf.name == "TMB" else "%"
        number = _fmt(pd.Series(x))
        missing = f"{label} not measured"
        facts = np.where(known, f"{label} " + number.fillna("").to_numpy(dtype=object) + unit,
                         missing).astype(object)
        value = _kleene(known, cmp)
        return value, facts, np.where(value == UNKNOWN, missing, "").astype(object)
    status = table["msi_status"].astype(object).where(table["msi_status"].notna(), "")
    status = status.to_numpy(dtype=object)
    wanted = set(leaf.values)
    decided = {"MSI-H", "MSS"} | (wanted & {"indeterminate"})
    known = np.isin(status, list(decided))
    truth = np.isin(status, list(wanted))
    if leaf.op == "not in":
        truth = ~truth
    score = _fmt(pd.to_numeric(table["msi_score"], errors="coerce")).fillna("")
    score = score.to_numpy(dtype=object)
    shown = np.where(status == "indeterminate", "MSI indeterminate", status).astype(object)
    shown = np.where(score != "", shown + " (score " + score + ")", shown)
    facts = np.where(status != "", shown, "MSI not measured").astype(object)
    why = np.where(status == "indeterminate", "MSI indeterminate", "MSI not measured")
    value = _kleene(known, truth)
    return value, facts, np.where(value == UNKNOWN, why, "").astype(object)


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


def _leaf_key(node) -> tuple:
    if isinstance(node, GenePredicate):
        return ("gene", node.gene, node.tests)
    if isinstance(node, FusionPredicate):
        return ("fusion", node.five, node.three)
    if isinstance(node, BiomarkerPredicate):
        return ("biomarker", node.name, node.op, node.values)
    return ("column", node.column, node.op, node.values)


def _subject(leaf) -> str:
    """What a leaf is about (two facts about one subject may coincide)."""
    if isinstance(leaf, GenePredicate):
        return leaf.gene
    if isinstance(leaf, FusionPredicate):
        return "fusion:" + ",".join(leaf.genes())
    if isinstance(leaf, BiomarkerPredicate):
        return leaf.name
    return leaf.column


def _evaluate_node(node, ctx: _Context, rule: Rule):
    """(Kleene values, deciding facts, facts that left it undecided) for every patient."""
    if isinstance(node, GenePredicate | ColumnPredicate | FusionPredicate | BiomarkerPredicate):
        key = _leaf_key(node)
        if key not in ctx.cache:
            if isinstance(node, GenePredicate):
                ctx.cache[key] = _gene_leaf(node, ctx)
            elif isinstance(node, FusionPredicate):
                ctx.cache[key] = _fusion_leaf(node, ctx)
            elif isinstance(node, BiomarkerPredicate):
                ctx.cache[key] = _biomarker_leaf(node, ctx)
            else:
                ctx.cache[key] = _column_leaf(node, ctx, rule)
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


def evaluate(rules, alterations: pd.DataFrame, sheet: pd.DataFrame, *,
             mutations: pd.DataFrame | None = None,
             structural_variants: pd.DataFrame | None = None,
             patients: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every patient of ``sheet`` x every rule: status eligible/ineligible/unknown and reason.

    ``rules``: {name: Rule or rule text} (or one Rule). Genes must be in ``alterations`` and
    columns in ``sheet`` (InputError otherwise). ``mutations`` (schema.MUTATION_COLUMNS) is
    needed by tests on single variants and makes the mutation-class tests look at every
    variant; ``structural_variants`` (schema.STRUCTURAL_VARIANT_COLUMNS) by fusion partners;
    ``patients`` (patient_id + schema.BIOMARKER_COLUMNS) by TMB and MSI. Rows in sheet order,
    then rule order. Columns schema.ELIGIBILITY_COLUMNS: ``reason`` lists the facts that
    decided the result, ``undecided`` (for ``unknown`` rows) the missing facts that left it
    open.
    """
    rules = _as_rules(rules)
    known_genes = set(alterations["gene"]) if len(alterations) else set()
    genes = {g for r in rules.values() for g in r.genes()}
    if not len(alterations):
        known_genes = genes | {g for r in rules.values() for g in r.fusion_genes()}
    genes |= {g for r in rules.values() for g in r.fusion_genes() if g in known_genes}
    for name, rule in rules.items():
        check_rule(rule, known_genes, sheet.columns, name)
    if len(alterations) and len(sheet):
        seen = pd.Index(pd.unique(alterations["patient_id"])).astype(str)
        missing = ~sheet["patient_id"].astype(str).isin(seen)
        if missing.any():
            raise InputError("has no rows in the cohort table (patient ids of the sheet and "
                             "the table differ?)", patient=sheet["patient_id"][missing].iloc[0])
    ctx = _Context(alterations, sheet, sorted(genes), mutations, structural_variants, patients)
    frames = []
    for order, (name, rule) in enumerate(rules.items()):
        value, facts, undecided = _evaluate_node(rule.root, ctx, rule)
        subjects = Counter(_subject(leaf) for leaf in rule.leaves)
        several = max(subjects.values(), default=0) > 1  # facts about one subject may coincide
        facts = pd.Series(facts)
        undecided = pd.Series(undecided)
        if several:
            facts = facts.map(_dedupe)
        undecided = undecided.map(_dedupe)
        frames.append(pd.DataFrame({
            "patient_id": ctx.patients, "rule": name,
            "status": pd.Series(value).map(STATUS_NAMES).to_numpy(),
            "reason": facts.to_numpy(dtype=object), "undecided": undecided.to_numpy(dtype=object),
            "_patient": np.arange(ctx.n), "_rule": order}))
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


def trial_summary(eligibility: pd.DataFrame, rules: dict | None = None) -> pd.DataFrame:
    """Per rule (trial): eligible / unknown / ineligible counts and the most common reason a
    patient was left undecided (e.g. 'TP53 not profiled for mutations') with its count;
    schema.TRIAL_SUMMARY_COLUMNS."""
    summary = eligibility_summary(eligibility, rules)
    top = summary["undecided_because"].fillna("").str.split("; ").str[0]
    parts = top.str.rsplit(": ", n=1)
    summary["top_unknown_reason"] = parts.str[0].where(top != "", None)
    summary["top_unknown_count"] = pd.to_numeric(parts.str[1].where(top != ""),
                                                 errors="coerce").astype("Int64")
    return summary.reindex(columns=schema.TRIAL_SUMMARY_COLUMNS)


def trial_matches(eligibility: pd.DataFrame, rules: list[str] | None = None) -> pd.DataFrame:
    """One row per patient (table order): the rules it is eligible for and those it may be
    eligible for (unknown), each ';'-joined in rule order, with what is missing for each
    unknown one ('rule: fact, fact | rule: fact'); schema.TRIAL_MATCH_COLUMNS."""
    order = list(rules) if rules is not None else list(pd.unique(eligibility["rule"]))
    patients = pd.unique(eligibility["patient_id"])
    out = pd.DataFrame({"patient_id": patients})
    rank = {r: i for i, r in enumerate(order)}
    table = eligibility.assign(_rank=eligibility["rule"].map(rank)).sort_values(
        ["_rank"], kind="stable")
    for status, column in (("eligible", "eligible"), ("unknown", "unknown")):
        part = table[table["status"] == status]
        names = part.groupby("patient_id", sort=False)["rule"].agg(";".join)
        out[column] = out["patient_id"].map(names)
        out[f"n_{column}"] = out["patient_id"].map(part.groupby("patient_id").size()) \
            .fillna(0).astype(int)
    unknown = table[table["status"] == "unknown"]
    why = (unknown["rule"] + ": " + unknown["undecided"].fillna("").str.replace("; ", ", "))
    out["unknown_because"] = out["patient_id"].map(
        why.groupby(unknown["patient_id"], sort=False).agg(" | ".join))
    return out.reindex(columns=schema.TRIAL_MATCH_COLUMNS)


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


def population(config: dict, alterations: pd.DataFrame, sheet: pd.DataFrame,
               **tables) -> tuple[list[str], str]:
    """The patients the statistics use (eligible under ``analysis_population``; patients the
    rule cannot decide are left out) and a one-line description naming the rule and how many
    patients it excluded and why. ``tables``: mutations, structural_variants, patients (as
    ``evaluate``)."""
    which = population_rule(config)
    if which is None:
        return list(sheet["patient_id"]), f"all patients (n = {len(sheet)})"
    name, text = which
    key = f"cohorts.{name}" if name != POPULATION_KEY else POPULATION_KEY
    rule = parse_rule(text, key)
    genes = set(alterations["gene"]) if len(alterations) else set()
    check_rule(rule, genes, sheet.columns, key)
    table = evaluate({name: rule}, alterations, sheet, **tables)
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
