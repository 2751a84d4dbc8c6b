"""Free text (English and Chinese) -> controls, saying what was understood and what was ignored.

>>> u = understand("tense orchestral boss fight, 140 bpm, D minor, 90 seconds")
>>> u.kind, u.controls.tempo_bpm, u.controls.tonic, u.controls.mode, u.controls.duration_s
('music', 140.0, 'D', 'minor', 90.0)

Rule-based and deterministic: regular expressions read explicit values (tempo, key, metre,
duration, bars, chords, seed, variations, "no drums", sound parameters such as "12 m/s"), then one longest-match pass over the
keyword lexicons (:mod:`museforge.prompt_lexicon`) reads styles, moods, instruments and sounds.
Each character of the prompt is claimed at most once, in that order, so an explicit value is
never re-read as a keyword. Whatever is left (minus filler words) is reported as ignored.
Explicit values are honoured exactly; out-of-range ones raise :class:`MuseforgeError`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from museforge import prompt_lexicon as lex
from museforge.controls import MusicControls, SfxControls
from museforge.errors import MuseforgeError
from museforge.prompt_build import Understood, build_music, build_sfx, implied_recipe
from museforge.prompt_numbers import CN_NUM, NUM, cn_number, number, tonic_name

MAX_PROMPT_CHARS = 1000
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Understanding:
    """The result of :func:`understand`.

    Attributes:
        kind: "music" or "sfx".
        controls: The validated controls.
        understood: What each recognised span set, in prompt order.
        ignored: Spans that set nothing (filler words excluded).
    """

    kind: str
    controls: MusicControls | SfxControls
    understood: tuple[Understood, ...]
    ignored: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "controls": self.controls.to_dict(),
                "understood": [{"span": u.span, "field": u.field, "value": _jsonable(u.value)}
                               for u in self.understood],
                "ignored": list(self.ignored)}


def _jsonable(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


# --- the patterns ------------------------------------------------------------------------------

def _en(pattern: str) -> re.Pattern:
    """A pattern run on the lower-cased prompt (``_Claims.lower``), so written in lower case and
    compiled without IGNORECASE, which made the longest ones (durations, parameters) 1.2-7x slower
    to compile: that is paid at every cold start of ``museforge prompt read``."""
    return re.compile(pattern)


# digits or a small number word: enough for counts ("10 slightly different", "three beats per bar") and
# much cheaper to compile than NUM, which cold start pays for every pattern it is in
_SMALL_NUM = r"\d+|(?<![a-z])(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)(?![a-z])"
_SEED = _en(r"(?:random\s+)?seed\s*(?:=|:|#|of|is)?\s*(\d+)|(?:随机)?种子\s*(?:=|:|为|是)?\s*(\d+)")
# what a count of sounds never counts: "a dozen bars" is a length, "a batch of 12 steps" a footstep count
_NOT_SOUNDS = r"(?!\s*(?:bars?|measures?|beats?|steps?|footsteps|seconds?|secs?|minutes?|mins?|hours?|bpm|hz)\b)"
_DOZEN = r"(?P<{}>half\s+a\s+dozen|a\s+dozen|一打|半打)"
_VARIATIONS = _en(rf"(?P<n>{NUM})\s*(?:(?:different|alternative|alternate|distinct|unique|separate|random|randomi[sz]ed"
                  r"|varied)\s+)?(?:variations?|variants?|versions?|takes|options|alternatives"
                  r"|copies|renditions|flavou?rs|iterations|alts|alternates)\b"
                  # "variations: 5", "versions x4", "variation count 6"
                  r"|(?<![a-z])(?:variations?|variants?|versions?|takes)\s*(?:count\s*)?(?:[:=x×]|of)\s*(?P<n7>\d{1,3})"
                  r"(?![\d.])"
                  # "batch of 10", "a set of 6", "a pack of 12 clicks", "a dozen", "half a dozen"
                  rf"|(?<![a-z])(?:a\s+)?(?:batch|set|pack|bunch|series)\s+of\s+(?:(?P<n5>{_SMALL_NUM})|{_DOZEN.format('dz')})"
                  rf"{_NOT_SOUNDS}"
                  rf"|(?<![a-z]){_DOZEN.format('dz2')}(?:\s+(?:different|slightly\s+different|variations?|versions?|takes)\b"
                  r"|(?=\s*(?:$|[,;.!]))|(?=\s+[a-z])(?!\s*(?:of\s+)?(?:bars?|measures?|beats?|steps?|footsteps|"
                  r"seconds?|minutes?)\b))"
                  rf"|(?P<n6>{_SMALL_NUM})\s+(?:of\s+(?:them|those|these|each)|in\s+(?:total|all))(?![a-z])"
                  rf"|(?P<c>{CN_NUM})\s*(?:个|种|组)?\s*(?:不同的?)?(?:变体|版本|变化|变种)"
                  # "10 slightly different clicks", "做4个略有不同的爆炸": that many sounds, each a variation
                  rf"|(?P<n2>{_SMALL_NUM})\s+(?:slightly\s+|subtly\s+|somewhat\s+|a\s+bit\s+)?different(?=\s+(?:[a-z]|\d+[\s-]?bit))"
                  rf"|(?P<c2>{CN_NUM})\s*(?:个|种|款)\s*(?:略有|稍有|稍微|略微|有些|有点)?\s*不同的?(?=[\u3400-\u9fff])"
                  r"|(?<![a-z0-9])[x×]\s?(?P<n3>\d{1,3})(?=\s*(?:$|[,，;；.。!)]))"  # "door slam x3"
                  # a count that ends its item after a verb of asking: "give me 4", "给我4个", "生成十个"
                  rf"|(?<![a-z])(?:give\s+me|generate|make|render|create)\s+(?P<n4>{_SMALL_NUM})(?=\s*(?:$|[,;.!]))"
                  # "generate 24 retro pickup blips": the count before the sounds (not "make 8 bars", "8-bit")
                  rf"|(?<![a-z])(?:give\s+me|generate|render|create)\s+(?P<n9>{_SMALL_NUM})(?=\s+[a-z]){_NOT_SOUNDS}"
                  r"(?!\s*bit\b)"
                  rf"|(?:给我|来|生成|做|要|出|需要|准备|一共|总共|共)\s*(?P<c3>{CN_NUM})\s*(?:个|种|条|款|份|套|段)"
                  r"(?:不同的?|不一样的?|版本|备选|备用|选项)?(?=\s*(?:$|[,，;；。!！]))"
                  # a bare count ending an item of its own: "火球施法音效，五个", "错误提示音，3个", "三种就行"
                  # after a space too ("木头敲击声 10种"), in a batch ("一批15个", "一组8个") or as options ("5个备选")
                  rf"|(?:^|(?<=[,，;；、\s]))\s*(?:一批|一组|一套|一共|总共)?\s*(?P<c4>{CN_NUM})\s*(?:个|种|款|份|套)"
                  r"(?:就行|就好|即可|左右|备选|备用|选项)?(?=\s*(?:$|[,，;；。!！]))"
                  # a bare count ending the prompt or an item after a comma: "UI click, 6" (not "0.7", "2:30", "90 s")
                  r"|(?<=[,;])\s*(?P<n8>[1-9]\d?)(?=\s*(?:$|[,;!]|\.(?!\d)))")
_TEMPO = _en(rf"(?P<n>{NUM})\s*(?:bpm|b\.p\.m\.?|beats?\s*(?:per|a|/)\s*(?:minute|min)\b)"
             r"|(?:tempo|bpm|速度|节奏速度|节拍|♩|𝅘𝅥|quarter(?:\s+note)?|crotchet)\s*(?:of|at|is|=|:|：|为|是)?\s*"
             r"(?P<d>\d+(?:\.\d+)?)(?![\d.]|\s*/\s*\d)(?:\s*bpm)?"
             r"|(?:速度|节奏速度)\s*(?:为|是|:)?\s*(?P<c3>[零〇一二两三四五六七八九十百千]+)"
             r"(?![零〇一二两三四五六七八九十百千]|\s*(?:秒|分|小节|个|拍子))"
             rf"|每分钟\s*(?:约|大约|大概)?\s*(?P<c>{CN_NUM})\s*拍|(?P<c2>{CN_NUM})\s*拍\s*(?:每分钟|/\s*分钟?)")
_TIME_SIG = _en(r"(?<![\d/:.])(?P<n>\d{1,2})\s*/\s*(?P<d>\d{1,2})(?![\d/])(?:\s*(?:time|meter|metre|拍子?))?"
                r"|(?P<w>waltz\s+time|triple\s+met(?:er|re)|three[\s-]four\s+time|common\s+time|cut\s+time"
                r"|six[\s-]eight\s+time|三拍子|四拍子|二拍子)"
                r"|(?P<za>[二三四五六七八九])(?P<zb>[二三四五六七八九])拍(?!子)"
                rf"|(?P<bb>{_SMALL_NUM})\s*beats?\s*(?:per|a|to\s+the|in\s+a|each)\s*(?:bar|measure)"
                rf"|每小节\s*(?P<cb>{CN_NUM})\s*拍"
                r"|(?P<cd>[二四八])分之(?P<cn>[一二三四五六七八九十]+)拍")
_WORD_SIGS = {"waltz time": "3/4", "triple meter": "3/4", "triple metre": "3/4", "three-four time": "3/4",
              "three four time": "3/4", "common time": "4/4", "cut time": "2/2", "six-eight time": "6/8",
              "six eight time": "6/8", "三拍子": "3/4", "四拍子": "4/4", "二拍子": "2/4"}


def _zh_digit_pair_sig(a: str, b: str) -> str | None:
    """"四三拍" and "三四拍" are 3/4, "八六拍" 6/8, "四二拍" 2/4: the power of two is the beat unit (the
    larger one when both are), whichever order the two digits come in; None when neither is one."""
    x, y = int(cn_number(a)), int(cn_number(b))
    if x not in (2, 4, 8) and y not in (2, 4, 8):
        return None
    unit = max(x, y) if x in (2, 4, 8) and y in (2, 4, 8) else x if x in (2, 4, 8) else y
    return f"{x + y - unit}/{unit}"
_MIN = r"(?:minutes?|mins?|m)(?![a-z])"
_SEC = r"(?:seconds?|secs?|s)(?![a-z])"
_DURATION = _en(
    r"(?<![\d:])(?P<mm>\d{1,2}):(?P<ss>[0-5]\d)(?![\d:])"
    rf"|(?P<hm>{NUM})\s*(?:and\s+a\s+half|又半|半)\s*{_MIN}"
    rf"|(?P<m2>{NUM})\s*(?:minutes?|mins?)\s+and\s+a\s+half"
    rf"|(?P<m>{NUM})[\s-]*{_MIN}(?:\s*(?:and\s+)?(?P<s>{NUM})\s*{_SEC}|\s+(?P<s3>[0-5]?\d)(?=\s*(?:[,;.!?)]|$)))?"
    r"|(?P<half>half\s+a\s+minute|半分钟)"
    rf"|(?P<h>{NUM})\s*(?:hours?|hrs?)\b"
    rf"|(?P<s2>{NUM})[\s-]*{_SEC}"
    rf"|(?P<cm>{CN_NUM})\s*分(?:钟)?\s*(?:(?P<cs>{CN_NUM})\s*秒(?:钟)?|(?P<chalf>半)(?:钟)?)"
    rf"|(?P<cm2>{CN_NUM})\s*(?:个)?(?P<chalf2>半)?\s*分钟(?P<chalf3>半)?"
    rf"|(?P<cs2>{CN_NUM})\s*秒(?:钟)?"
    rf"|(?P<ch>{CN_NUM})\s*(?:个)?(?P<chh>半)?\s*小时"
    r"|(?P<hh>半\s*(?:个)?\s*小时|half\s+an\s+hour)")
# how long the sound lasts: the recipe's own seconds parameter when it has one (lex.LASTING_PARAMS), else the
# duration: "healing spell lasting 4 seconds", "治疗法术，持续5秒", "隆隆声拖尾12秒"
_LASTING = _en(rf"(?<![a-z])(?:lasting|that\s+lasts|which\s+lasts|lasts)\s+(?:for\s+)?(?:about\s+|around\s+)?"
               rf"(?P<v>{NUM})[\s-]*{_SEC}|(?:持续|拖尾|延续)\s*(?:约|大约|大概)?\s*(?P<c>{CN_NUM})\s*秒(?:钟)?")
# a size in metres beside a struck material: "敲一块1.5米的石头", "a 2 metre steel beam" (not "12米每秒")
_SIZE = _en(r"(?<![\d.a-z])(?P<v>\d+(?:\.\d+)?)\s*(?:米|metres?|meters?)(?![a-z每/])")
_DECADE = re.compile(r"(?:the\s+|')$")
# Chinese "120拍" without 每分钟: a tempo when the number is one (>= 30; "四拍" is a count of beats)
_TEMPO_BARE_ZH = re.compile(rf"(?P<c>{CN_NUM})\s*拍(?!子|每小节)")


def _alternation(words) -> str:
    """Longest first; English words only as whole words."""
    return "|".join(re.escape(w) if _CJK.search(w) else rf"(?<![a-z]){re.escape(w)}"
                    for w in sorted(words, key=len, reverse=True))


_PARAM_VALUE = r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+"
# "intensity 0.7", "rumble 12 seconds", "size 1.5 m", "风速12米每秒", "p_freq_ramp -0.4" (a sign right before the
# number), "油门设为0.8", "damp wood (0.9)"; then a unit alone: "8 km", "1000 Hz"
_PARAM = _en(rf"(?P<name>{_alternation(lex.PARAM_NAMES)})\s*(?:of|at|to|is|set\s+to|=|:|：|为|是|设为|设成|设置为|调到|调成|调为)?"
             rf"\s*(?P<paren>\()?\s*(?P<v>-?(?:{_PARAM_VALUE}))"
             rf"(?:\s*(?P<unit>{_alternation([*lex.PARAM_UNITS, *lex.PARAM_NAMED_UNITS])})(?![a-z]))?(?(paren)\s*\)?)"
             rf"|(?<![\d.a-z])(?P<v2>{_PARAM_VALUE})\s*(?P<unit2>{_alternation(lex.PARAM_UNITS)})(?![a-z])")
# the number before the parameter it sets: "a 15 second rumble", "2.5 second pass" (not the sound's duration)
# a word after a level's number that makes it a count of things ("蟋蟀3只", "birds 2 calls"), not a joint
_COUNTED = re.compile(r"\s*(?!(?:and|plus|with|then|but)(?![a-z])|[和与及跟并的])[a-z\u4e00-\u9fff]")
_PARAM_BEFORE = _en(rf"(?P<v>\d+\.\d+|{_SMALL_NUM})[\s-]*(?:seconds?|secs?|s)[\s-]+(?:long\s+)?"
                    rf"(?P<name>{_alternation(lex.PARAM_NOUNS_AFTER)})(?![a-z])")
# footsteps a second: "2.5 steps per second", "每秒2步"
_PACE = _en(rf"(?P<v>\d+\.\d+|{_SMALL_NUM})\s*(?:steps?|footsteps)\s*(?:per|a|/|each)\s*(?:second|sec|s)(?![a-z])"
            rf"|每秒(?:钟)?\s*(?P<c>{CN_NUM})\s*步")
# how much longer a retro sound plays: "stretched to twice the length", "1.5x as long", "长度拉长到1.5倍"
_LENGTH_SCALE = _en(r"(?P<w>twice|double|half|three\s+times|(?P<n>\d+(?:\.\d+)?)\s*(?:x|×|times))\s+"
                    r"(?:the\s+|its\s+|as\s+)?(?:length|long|duration)(?![a-z])"
                    rf"|(?:长度|时长)?\s*(?:拉长|延长|拉伸|加长|缩短|放慢)\s*(?:到|为|至|成)?\s*(?P<c>{CN_NUM})\s*倍"
                    rf"|(?:长度|时长)\s*(?:为|是|到)?\s*(?P<c2>{CN_NUM})\s*倍")
_LENGTH_WORDS = {"twice": 2.0, "double": 2.0, "half": 0.5, "three times": 3.0}
# "pitched up 5 semitones", "down 3 semitones", "-12 semitones", "降低12个半音", "升高3个半音"
_SEMITONES = _en(rf"(?:(?P<up>(?:pitched\s+|pitch(?:ed)?\s+shifted\s+|shifted\s+|transposed\s+)?up|raised?|higher|"
                 rf"升高|提高|调高|升|高)|(?P<down>(?:pitched\s+|pitch(?:ed)?\s+shifted\s+|shifted\s+|transposed\s+)?down|"
                 rf"lowered|lower|降低|调低|降|低))?\s*(?:by\s+)?(?P<sign>[+-])?\s*(?P<v>{_PARAM_VALUE})\s*"
                 rf"(?:semitones?|半音|个半音)(?:\s+(?P<up2>up|higher)|\s+(?P<down2>down|lower))?")
_STEPS = _en(rf"(?P<n>{NUM})\s*(?:steps|footsteps|footfalls)\b|(?P<c>{CN_NUM})\s*步")
# not "every 2 bars" / "每4小节", a rate, not the length
_BARS = _en(rf"(?<!every\s)(?<!每)(?<![\d.])(?P<n>{NUM})\s*[-\s]?\s*(?:bars?|measures?)\b"
            rf"|(?<!每)(?<![\d.])(?P<c>{CN_NUM})\s*(?:个)?小节")
_ACC = r"(?:#|♯|b|♭|[\s-]?sharp|[\s-]?flat)"
_KEY = _en(
    r"(?P<mo>(?:an?\s+|in\s+)?(?P<mode0>major|minor)[\s-]+(?:key|scale|tonality|mode))"
    rf"|(?<![a-z])(?P<t1>[a-g])(?P<a1>{_ACC})?\s*(?P<m1>major|minor)\b"
    rf"|(?:in\s+(?:the\s+)?key\s+of|key\s+of|key\s*[:=])\s*(?P<t2>[a-g])(?P<a2>{_ACC})?"
    r"\s*(?P<m2>major|minor|maj|min|m)?(?![a-z#])"
    r"|(?P<p4>降|升|[b#♭♯](?=[a-g]))?\s*(?P<t4>[a-g])\s*(?P<a4>#|♯|b|♭)?\s*(?P<m4>大调|小调|调)"  # "bE调" = 降E调
    r"|(?P<m5>大调|小调)")
# a key alone as a list item: "..., Bb, ..." or "..., F#m"
_KEY_ACC = r"#|b|♯|♭|[\s-][Ff]lat|[\s-][Ss]harp"  # "Bb", "B flat", "B-flat"
_KEY_ALONE = re.compile(rf"(?:^|(?<=[,，;；]))\s*(?P<t3>[A-G])(?P<a3>{_KEY_ACC})?(?P<m3>m|maj|min)?\s*(?=$|[,，;；.。])")
# "in E", "in Dm", "in F#", "in E flat": upper-case letter only, so "in a calm mood" is not A major
_KEY_IN = re.compile(rf"\bin\s+(?P<t3>[A-G])(?P<a3>{_KEY_ACC})?(?P<m3>m|maj|min)?(?![A-Za-z0-9#♯♭])")
# a hyphenated flat or sharp names a key anywhere ("B-flat", "F-sharp"), as does 降B / 升F without 调
_KEY_SPELLED = re.compile(r"(?<![A-Za-z])(?P<t3>[A-G])(?P<a3>-[Ff]lat|-[Ss]harp)(?![A-Za-z])"
                          r"|(?P<p4>降|升)\s*(?P<t4>[A-Ga-g])(?![A-Za-z#♯♭])")
# every quality and alias museforge.music.arrange.chords.parse_chord accepts but "major"/"minor", which name a
# key ("C major"); not imported: it pulls in symusic at cold start. tests/test_prompt.py checks the lists agree
CHORD_QUALITIES = ("maj", "min", "7", "maj7", "m7", "dim", "dim7", "m7b5", "aug", "sus2", "sus4", "7sus4", "6", "m6",
                   "9", "add9", "mmaj7", "5", "M", "m", "-", "M7", "Δ", "Δ7", "-7", "min7", "o", "°",
                   "o7", "°7", "ø", "ø7", "+", "sus", "dom7", "min6", "m9", "maj9", "mM7", "7sus")
_CHORD = (rf"[A-G](?:#|b|♯|♭)?(?:{'|'.join(re.escape(q) for q in sorted(CHORD_QUALITIES, key=len, reverse=True))})?"
          r"(?:/[A-G](?:#|b|♯|♭)?)?")
_ROMAN = r"[b#♭]?(?:VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(?:°|o|\+)?7?"
_SEP = r"(?:\s*[-–—,>→|]\s*|\s+)"
_CUE = r"(?:chords?|progression|changes|和弦(?:进行)?|进行)\s*[:：]?\s*"


def _tok(token: str) -> str:
    return rf"{token}(?![A-Za-z0-9#°ø+Δ])"


def _seq(token: str) -> re.Pattern:
    tok = _tok(token)
    return re.compile(rf"{_CUE}(?P<a>{tok}(?:{_SEP}{tok})+)|(?<![A-Za-z0-9])(?P<b>{tok}(?:{_SEP}{tok}){{2,}})")


_CHORDS, _ROMANS = _seq(_CHORD), _seq(_ROMAN)
# the symbols of a sequence, found rather than split at separators: "C- F-" (minor) keeps its "-"
_TOKENS = {"chords": re.compile(_tok(_CHORD)), "roman": re.compile(_tok(_ROMAN))}


def _canon(phrase: str) -> str:
    return re.sub(r"[\s\-]+", "", phrase.lower())


class _PhraseIndex:
    """Longest known phrase starting at a position, by dictionary lookups (a 1,000-way regex
    alternation took 0.3 s to compile at import).

    English phrases match whole words, ignoring spaces and hyphens inside ("8 bit" = "8-bit" =
    "8bit", "thunder clap" = "thunderclap"), with an optional plural s/es; phrases containing
    Chinese match as substrings.
    """

    def __init__(self, phrases: list[str]):
        self.zh = {p.lower() for p in phrases if _CJK.search(p)}
        self.en = {_canon(p) for p in phrases if not _CJK.search(p)}
        self.max_zh = max(map(len, self.zh), default=0)
        self.max_words = 1 + max((len(re.findall(r"[a-z0-9]+", p.lower())) for p in phrases
                                  if not _CJK.search(p)), default=0)

    def match(self, lower: str, i: int) -> int | None:
        """End of the longest phrase starting at ``lower[i]``, or None."""
        best = next((i + n for n in range(min(self.max_zh, len(lower) - i), 0, -1)
                     if lower[i:i + n] in self.zh), None)
        if _WORD_CHAR.match(lower, i) and (i == 0 or not _WORD_CHAR.match(lower, i - 1)):
            ends, pos = [], i
            while len(ends) < self.max_words and (word := _NEXT_WORD.match(lower, pos)):
                ends.append(pos := word.end())
            for end in reversed(ends):
                key = _canon(lower[i:end])
                if key in self.en or (key[-1:] == "s" and key[:-1] in self.en) or \
                        (key[-2:] == "es" and key[:-2] in self.en):
                    return max(end, best or 0)
        return best


_WORD_CHAR = re.compile(r"[a-z0-9]")
_NEXT_WORD = re.compile(r"[\s\-]*[a-z0-9]+")  # one more word, from where the last one ended
_INSTRUMENTS = _PhraseIndex(list(lex.INSTRUMENT_WORDS))
_NEGATION = _en(r"(?:\bno(?![a-z])|\bwithout|\bminus|\bexcept|\bexcluding|\bnot|\bskip|\bdrop|\bsans|\bleave\s+out|"
                r"\bleaving\s+out|\bremove|\bomit|\b(?:don'?t|do\s+not|never)\s+(?:use|add|include|want|need)|"
                r"\bno\s+need\s+for|\bget\s+rid\s+of|\bcut\s+out|\blose\s+the|不要|没有|无|不用|去掉|去除|别用|不带|不加|别加|不需要|拿掉|不含|"
                r"不包括|不包含|除去|省略|删掉)\s*(?:any\s+|the\s+|a\s+|任何|所有的?)?")
# joins the next excluded instrument; a bare comma does not ("no drums, saxophone lead" keeps the sax)
_AND = _en(r"\s*(?:,?\s*\b(?:or|and|nor)\b|,(?=\s*no\b)|/|和|或|、|与|跟|，(?=\s*(?:不要|没有|不用|也不|无)))"
           r"\s*(?:no\s+|也不用|也不要|不要|没有|不用|无)?")
# "keep the strings out", "leave the drums out": the instruments come before "out"
_KEEP_OUT = _en(r"\b(?:keep|leave|leaving|keeping)\s+(?:the\s+|any\s+|all\s+)?")
_OUT = _en(r"\s+out\b")
# "鼓不要", "鼓和贝斯都不要": a list item whose instruments are then refused (not "鼓不要太响")
_ITEM_START = re.compile(r"(?:^|(?<=[,，;；。]))\s*")
# "鼓和贝斯都不要", also before the music it qualifies: "鼓和贝斯都不要的爵士钢琴"
_ZH_REFUSED = re.compile(r"\s*(?:都|也|全都|全)?(?:不要|不用|不需要|去掉|别要)了?\s*(?=$|[,，;；。.!！]|的)")
_LESS = _en(r"(?<![a-z])(?P<i>[a-z]+?)[\s-]?(?:free|less)(?![a-z])")  # "drumless", "vocal-free"


def _keyword_table() -> dict[str, list[tuple[str, object]]]:
    """canonical phrase (lower case, no spaces/hyphens) -> its meanings."""
    table: dict[str, list[tuple[str, object]]] = {}
    for kind, source in (("style", lex.STYLE_WORDS), ("mood", lex.MOOD_WORDS), ("tempo_bpm", lex.TEMPO_WORDS),
                         ("density", lex.DENSITY_WORDS), ("instruments", lex.INSTRUMENT_WORDS),
                         ("instruments", lex.STYLE_INSTRUMENTS), ("instrument_weak", lex.MUSIC_ONLY_INSTRUMENTS),
                         ("sfx", lex.SFX_WORDS_TABLE), ("sfx_combo", lex.SFX_COMBOS), ("sfx_mod", lex.SFX_MODIFIERS)):
        for phrase, value in source.items():
            _add(table, phrase, kind, value)
    for kind, words in (("loop", lex.LOOP_WORDS), ("music", lex.MUSIC_WORDS), ("sfx_word", lex.SFX_WORDS),
                        ("retro", lex.RETRO_WORDS), ("filler", lex.FILLER_WORDS)):
        for phrase in words:
            _add(table, phrase, kind, True)
    return table


def _add(table: dict, phrase: str, kind: str, value: object) -> None:
    meanings = table.setdefault(_canon(phrase), [])
    if (kind, value) not in meanings:
        meanings.append((kind, value))


_TABLE = _keyword_table()
# words naming what a struck thing is made of ("石头", "steel"): a size in metres beside one is its size
_MATERIAL = re.compile(_alternation([w for w, effect in lex.SFX_MODIFIERS.items()
                                     if any(param == "material" for param, _ in effect.values())]))
_KEYWORDS = _PhraseIndex([p for source in (lex.STYLE_WORDS, lex.MOOD_WORDS, lex.TEMPO_WORDS, lex.DENSITY_WORDS,
                                           lex.INSTRUMENT_WORDS, lex.STYLE_INSTRUMENTS, lex.MUSIC_ONLY_INSTRUMENTS,
                                           lex.SFX_WORDS_TABLE,
                                           lex.SFX_COMBOS, lex.SFX_MODIFIERS, lex.LOOP_WORDS, lex.MUSIC_WORDS,
                                           lex.SFX_WORDS, lex.RETRO_WORDS, lex.FILLER_WORDS) for p in source])


# --- matching ----------------------------------------------------------------------------------

class _Claims:
    """Which characters of the prompt are taken, and by what."""

    def __init__(self, original: str):
        self.original = original  # spans are reported as the user wrote them
        text = _normalize(original)
        self.text, self.taken = text, [False] * len(text)
        # lower-cased char by char so offsets agree with ``text`` ("İ".lower() is two characters)
        self.lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        self.hits: list[tuple[int, str, str, object]] = []  # (start, span, field, value)

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def take(self, start: int, end: int, field: str, value: object) -> None:
        self.taken[start:end] = [True] * (end - start)
        self.hits.append((start, self.original[start:end].strip(), field, value))

    def scan(self, pattern: re.Pattern, text: str | None = None):
        for match in pattern.finditer(text if text is not None else self.lower):
            if match.group(0).strip() and self.free(match.start(), match.end()):
                yield match


def _normalize(text: str) -> str:
    """Full-width digits/letters/punctuation to ASCII, character by character (spans keep their offsets)."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _explicit(claims: _Claims) -> None:
    lower = claims.lower
    for m in claims.scan(_SEED):
        claims.take(m.start(), m.end(), "seed", int(m.group(1) or m.group(2)))
    for m in claims.scan(_VARIATIONS):
        claims.take(m.start(), m.end(), "variations", int(_count(m)))
    for m in claims.scan(_SEMITONES):
        down = m.group("down") or m.group("down2") or m.group("sign") == "-"
        claims.take(m.start(), m.end(), "param", (("pitch_semitones",), -number(m.group("v")) if down
                                                  else number(m.group("v"))))
    for m in claims.scan(_PARAM_BEFORE):  # "a 15 second rumble" sets the rumble, not the duration
        noun = m.group("name")
        end = m.start("name") if _lookup(noun) and any(k == "sfx" for k, _ in _lookup(noun)) else m.end()
        claims.take(m.start(), end, "param", (lex.PARAM_NOUNS_AFTER[re.sub(r"[\s-]+", " ", noun)],
                                              round(number(m.group("v")), 6)))
    for m in claims.scan(_PACE):
        claims.take(m.start(), m.end(), "param", (("pace_hz",), number(m.group("v") or m.group("c"))))
    for m in claims.scan(_LENGTH_SCALE):
        g = m.groupdict()
        scale = _LENGTH_WORDS[re.sub(r"\s+", " ", g["w"])] if g["w"] and not g["n"] else \
            number(g["n"] or g["c"] or g["c2"])
        claims.take(m.start(), m.end(), "param", (("length_scale",), scale))
    for m in claims.scan(_PARAM):  # before durations: "20 m/s" is a wind speed, "rumble 12 s" a rumble
        _param(claims, m)
    if _MATERIAL.search(lower):
        for m in claims.scan(_SIZE):
            claims.take(m.start(), m.end(), "param", (("size_m",), number(m.group("v"))))
    for m in claims.scan(_LASTING):
        claims.take(m.start(), m.end(), "lasting", number(m.group("v") or m.group("c")))
    for m in claims.scan(_TEMPO):
        g = m.groupdict()
        value = number(g["n"]) if g["n"] else float(g["d"]) if g["d"] else cn_number(g["c"] or g["c2"] or g["c3"])
        if g["c3"] and value < 30:
            continue  # "速度一般" is "an ordinary speed", not 1 bpm
        claims.take(m.start(), m.end(), "tempo_bpm", float(value))
    for m in claims.scan(_TIME_SIG):
        g = m.groupdict()
        sig = f"{g['n']}/{g['d']}" if g["n"] else _WORD_SIGS.get(re.sub(r"\s+", " ", g["w"])) if g["w"] else \
            _zh_digit_pair_sig(g["za"], g["zb"]) if g["za"] else \
            f"{int(number(g['bb'] or g['cb']))}/4" if g["bb"] or g["cb"] else \
            f"{int(cn_number(g['cn']))}/{int(cn_number(g['cd']))}"
        if sig is not None:
            claims.take(m.start(), m.end(), "time_signature", sig)
    for m in claims.scan(_TEMPO_BARE_ZH):
        if cn_number(m.group("c")) >= 30:
            claims.take(m.start(), m.end(), "tempo_bpm", cn_number(m.group("c")))
    for m in claims.scan(_DURATION):
        seconds = _duration_s(m, lower)
        if seconds is not None:
            claims.take(m.start(), m.end(), "duration_s", seconds)
    for m in claims.scan(_STEPS):
        claims.take(m.start(), m.end(), "steps", _count(m))
    for m in claims.scan(_BARS):
        claims.take(m.start(), m.end(), "n_bars", int(_count(m)))
    for m in claims.scan(_KEY):
        _key(claims, m)
    for m in claims.scan(_KEY_IN, claims.text):
        _key(claims, m)
    for m in claims.scan(_KEY_SPELLED, claims.text):
        _key(claims, m)
    for pattern, field in ((_CHORDS, "chords"), (_ROMANS, "roman")):
        for m in claims.scan(pattern, claims.text):
            seq = m.group("a") or m.group("b")
            claims.take(m.start(), m.end(), field, tuple(_TOKENS[field].findall(seq)))
    for m in claims.scan(_KEY_ALONE, claims.text):  # after chords: "C, G, Am, F" is a progression
        _key(claims, m)
    for m in claims.scan(_NEGATION):
        end, names = _instrument_list(lower, m.end())
        if names and claims.free(m.start(), end):
            claims.take(m.start(), end, "exclude", names)
    for m in _ITEM_START.finditer(lower):
        end, names = _instrument_list(lower, m.end())
        refused = _ZH_REFUSED.match(lower, end) if names else None
        if refused and claims.free(m.end(), refused.end()):
            claims.take(m.end(), refused.end(), "exclude", names)
    for m in claims.scan(_KEEP_OUT):
        end, names = _instrument_list(lower, m.end())
        out = _OUT.match(lower, end)
        if names and out and claims.free(m.start(), out.end()):
            claims.take(m.start(), out.end(), "exclude", names)
    for m in claims.scan(_LESS):
        names = _instrument_names(m.group("i"))
        if names:
            claims.take(m.start(), m.end(), "exclude", names)


def _instrument_list(lower: str, start: int) -> tuple[int, tuple[str, ...]]:
    """The instruments named from ``start`` on, joined by "and"/"or"/"、"...: (end, names)."""
    end, names = start, []
    while (stop := _INSTRUMENTS.match(lower, end)) is not None:
        names += _instrument_names(lower[end:stop])
        end = stop
        joint = _AND.match(lower, end)
        if not joint or _INSTRUMENTS.match(lower, joint.end()) is None:
            break
        end = joint.end()
    return end, tuple(dict.fromkeys(names))


def _param(claims: _Claims, m: re.Match) -> None:
    """A sound parameter with its number: value ``(candidate parameter names, number)``."""
    digits = m.group("v") or m.group("v2")
    value = -number(digits[1:]) if digits.startswith("-") else number(digits)
    unit = (m.group("unit") or m.group("unit2") or "").lower()
    start, name = m.start(), None
    if m.group("name"):
        name = m.group("name").lower()
        if name in lex.PARAM_NAMES_NEED_UNIT and unit not in ("s", "sec", "seconds", "秒"):
            return  # "every 2 bars" is no period
        counts_itself = set(lex.PARAM_NAMES[name]) <= lex.COUNT_PARAMS  # "按键30次": the counter is its own
        counted = not unit and not counts_itself and _COUNTED.match(claims.lower, m.end())
        if name in lex.PARAM_NAMES_UNITLESS and (unit in lex.PARAM_NAMED_UNITS or counted):
            return  # "呼啸5秒" is no whistle of 5, "蟋蟀3只" three crickets ("crackle 0.9 and size 0.2" a level)
        if name in lex.PARAM_NAMES_ALSO_TEMPO and unit not in lex.PARAM_UNITS and (
                value > 1 or not m.group("v")[:1].isdigit()):
            return  # "速度174" is a tempo, "速度一般" no number; a sound's speed is 0..1
        if name in lex.PARAM_NAMES_UNITLESS and unit in lex.PARAM_UNITS:
            name, start = None, m.start("v")  # "breeze at 1 m/s": the unit names the parameter, breeze the preset
    if name is not None:
        if name in lex.PARAM_NAMES_ALSO_SOUNDS:
            start = m.start("v")  # "蓄力3秒": 蓄力 still names the power charge
        candidates = lex.PARAM_NAMES[name]
        if unit in lex.PARAM_UNITS:  # the unit narrows the name: "distance 8 km" is distance_km
            by_unit = lex.PARAM_UNITS[unit]
            suffixes = tuple(c[c.rfind("_"):] for c in by_unit[0] if "_" in c)  # "gust rate 1 Hz": gust_rate_hz
            candidates = tuple(c for c in candidates if c in by_unit[0] or c.endswith(suffixes)) or by_unit[0]
            value *= by_unit[1]
        elif unit in ("m", "metres", "meters", "米"):
            candidates = tuple(c for c in candidates if c.endswith("_m")) or candidates
        elif unit:
            candidates = tuple(c for c in candidates if c.endswith("_s")) or candidates
    else:
        if unit in lex.PARAM_UNITS_AFTER_DIGITS and not (m.group("v") or m.group("v2"))[:1].isdigit():
            return  # "60下" is sixty key presses, "一下" is "a moment"
        candidates, factor = lex.PARAM_UNITS[unit]
        value *= factor
    claims.take(start, m.end(), "param", (candidates, round(value, 6)))


def _count(m: re.Match) -> float:
    g = m.groupdict()
    if g.get("dz") or g.get("dz2"):
        return 6.0 if (g["dz"] or g["dz2"]).startswith(("half", "半")) else 12.0
    english = g["n"] or g.get("n2") or g.get("n3") or g.get("n4") or g.get("n5") or g.get("n6") or g.get("n7") \
        or g.get("n8") or g.get("n9")
    chinese = g["c"] or g.get("c2") or g.get("c3") or g.get("c4")
    return number(english) if english else cn_number(chinese)


def _duration_s(m: re.Match, lower: str) -> float | None:
    g = m.groupdict()
    if g["mm"]:
        return int(g["mm"]) * 60.0 + int(g["ss"])
    if g["hm"]:
        return (number(g["hm"]) + 0.5) * 60.0
    if g["m2"]:
        return (number(g["m2"]) + 0.5) * 60.0
    if g["m"]:
        return number(g["m"]) * 60.0 + (number(g["s"]) if g["s"] else float(g["s3"] or 0))
    if g["half"]:
        return 30.0
    if g["h"]:
        return number(g["h"]) * 3600.0
    if g["s2"]:
        if _DECADE.search(lower[:m.start()]) or (re.fullmatch(r"\d+s", m.group(0)) and number(g["s2"]) in (50, 60, 70, 80, 90)
                                                  and not re.match(r"\s*(?:,|$|long|loop|\.)", lower[m.end():])):
            return None  # "80s synth pop" is a decade
        return number(g["s2"])
    if g["cm"]:
        return cn_number(g["cm"]) * 60.0 + (cn_number(g["cs"]) if g["cs"] else 30.0)
    if g["cm2"]:
        return cn_number(g["cm2"]) * 60.0 + (30.0 if g["chalf2"] or g["chalf3"] else 0.0)
    if g["cs2"]:
        return float(cn_number(g["cs2"]))
    if g["hh"]:
        return 1800.0
    return (cn_number(g["ch"]) + (0.5 if g["chh"] else 0.0)) * 3600.0


def _key(claims: _Claims, m: re.Match) -> None:
    g = {k: None for k in ("mo", "m5", "p4", "t1", "t2", "t3", "t4")} | m.groupdict()
    if g["mo"] or g["m5"]:
        mode = g["mode0"] or {"大调": "major", "小调": "minor"}[g["m5"]]
        claims.take(m.start(), m.end(), "mode", mode.lower())
        return
    for i in "1234":
        if g[f"t{i}"]:
            break
    accidental = g.get(f"a{i}") or {"降": "b", "升": "#", "b": "b", "♭": "b", "#": "#", "♯": "#"}.get(g.get("p4") or "", "")
    mode_word = (g.get(f"m{i}") or "").lower()
    mode = {"major": "major", "maj": "major", "大调": "major", "调": "major", "minor": "minor", "min": "minor",
            "m": "minor", "小调": "minor", "": "major"}[mode_word]
    claims.take(m.start(), m.end(), "key", (tonic_name(g[f"t{i}"], accidental), mode))


def _instrument_names(phrase: str) -> tuple[str, ...]:
    return next((v for k, v in _lookup(phrase) if k == "instruments"), ())


def _lookup(phrase: str) -> list[tuple[str, object]]:
    key = _canon(phrase)
    for candidate in (key, key[:-1] if key.endswith("s") else None, key[:-2] if key.endswith("es") else None):
        if candidate and candidate in _TABLE:
            return _TABLE[candidate]
    return []


_JOINERS_ZH = "和与及跟或的"


def _keywords(claims: _Claims) -> list[tuple[int, int, str, list[tuple[str, object]]]]:
    found, lower, i = [], claims.lower, 0
    while i < len(lower):
        end = None if claims.taken[i] else _KEYWORDS.match(lower, i)
        if end is not None and lower[i] in _JOINERS_ZH and i + 1 < len(lower) and not claims.taken[i + 1]:
            after = _KEYWORDS.match(lower, i + 1)  # "竖笛和风笛": 和 joins 风笛, it does not start 和风
            if after is not None and after > end:
                end = None
        meanings = _lookup(lower[i:end]) if end is not None and claims.free(i, end) else []
        if not meanings:
            i += 1
            continue
        claims.taken[i:end] = [True] * (end - i)
        found.append((i, end, claims.original[i:end], meanings))
        i = end
    return found


# --- assembling controls -----------------------------------------------------------------------

def understand(text: object) -> Understanding:
    """Read a prompt in English or Chinese.

    Args:
        text: At most 1000 characters.

    Returns:
        The :class:`Understanding`: kind, validated controls, understood and ignored spans.

    Raises:
        MuseforgeError: Not text, empty, too long, or an explicit value out of range.
    """
    if not isinstance(text, str):
        raise MuseforgeError(f"a prompt must be text, got {type(text).__name__}")
    if len(text) > MAX_PROMPT_CHARS:
        raise MuseforgeError(f"a prompt may be at most {MAX_PROMPT_CHARS} characters, got {len(text)}")
    if not text.strip():
        raise MuseforgeError("the prompt is empty; describe the music or sound, e.g. 'calm piano, 60 s'")
    claims = _Claims(text)
    _explicit(claims)
    keywords = _keywords(claims)
    kind = _kind(claims, keywords)
    build = build_music if kind == "music" else build_sfx
    controls, understood, unused = build(claims.hits, keywords, claims.text)
    ignored = _ignored(claims) + unused
    return Understanding(kind, controls, tuple(understood), tuple(ignored))


def _kind(claims: _Claims, keywords: list) -> str:
    music = sfx = 0.0
    named_sound = False
    for _start, _span, field, _value in claims.hits:
        if field in ("tempo_bpm", "key", "mode", "chords", "roman", "n_bars", "time_signature", "exclude"):
            music += 3
        elif field == "variations":
            sfx += 1
        elif field in ("steps", "param"):  # "8 steps", "30 keys", "wind 12 m/s" describe a sound
            sfx += 2
            named_sound = True
    for _start, _end, _span, meanings in keywords:
        kinds = {k for k, _ in meanings}
        music += 3 * ("music" in kinds) + 2 * ("instruments" in kinds) + ("style" in kinds) + 0.5 * ("mood" in kinds)
        sfx += 3 * ("sfx_word" in kinds) + 2 * bool(kinds & {"sfx", "sfx_combo"})
        named_sound |= bool(kinds & {"sfx", "sfx_combo"})
        implied = implied_recipe(dict(meanings).get("sfx_mod", {}))
        if implied and not kinds & {"sfx", "sfx_combo"}:  # "boots on gravel": a shoe names footsteps
            sfx += 1.5
            named_sound = True
    if sfx > music and not named_sound and music >= 1:
        return "music"  # "sound"/"声" but no sound named, and a style or instrument is: music ("电影原声")
    return "sfx" if sfx > music else "music"


def _ignored(claims: _Claims) -> list[str]:
    out, text = [], claims.text
    for m in re.finditer(r"[A-Za-z0-9'][A-Za-z0-9'\-.]*|[\u3400-\u9fff]+", text):
        if any(claims.taken[m.start():m.end()]):
            pieces = [text[i] if not claims.taken[i] else " " for i in range(m.start(), m.end())]
            chunks = "".join(pieces).split()
        else:
            chunks = [m.group(0)]
        for chunk in chunks:
            if _CJK.search(chunk):
                for stop in sorted(lex.STOPWORDS_ZH, key=len, reverse=True):
                    chunk = chunk.replace(stop, " ")
                out.extend(c for c in chunk.split() if c)
            elif chunk.lower().strip(".'-") not in lex.STOPWORDS_EN and chunk.strip(".'-"):
                out.append(chunk.strip(".'-"))
    return out
