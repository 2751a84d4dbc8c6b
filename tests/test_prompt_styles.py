"""Style words as people write them, mostly in Chinese: the tuning set for the style lexicon (issue 6).

These prompts were written for tuning and are read freely; the benchmark's held-out splits
(tests/fixtures/prompts.jsonl, bench/prompt_accuracy.py) are not.
"""

from __future__ import annotations

import pytest

from museforge.controls import STYLES
from museforge.prompt import understand

TUNING = [
    # baroque / classical / romantic / early music
    ("来一首赋格", "baroque"), ("维瓦尔第风格的弦乐", "baroque"), ("亨德尔式的巴洛克组曲", "baroque"),
    ("莫扎特风格的小步舞曲", "classical"), ("海顿风格的四重奏", "classical"), ("古典乐，优雅", "classical"),
    ("一首奏鸣曲", "classical"), ("肖邦风格的夜曲", "romantic"), ("李斯特风格的浪漫主义钢琴曲", "romantic"),
    ("浪漫主义时期的交响诗", "romantic"), ("格里高利圣咏", "medieval"), ("中世纪酒馆音乐", "medieval"),
    ("吟游诗人弹唱", "medieval"), ("宫廷牧歌", "renaissance"), ("四声部合唱赞美诗", "baroque_chorale"),
    ("巴赫众赞歌", "baroque_chorale"),
    # orchestral / film
    ("好莱坞大片配乐", "cinematic"), ("史诗电影原声", "cinematic"), ("管弦乐团合奏", "orchestral"),
    ("交响曲第一乐章", "orchestral"),
    # folk / regional
    ("蓝草音乐，班卓琴", "folk"), ("美国乡村音乐", "country"), ("爱尔兰风笛曲", "celtic_folk"),
    ("苏格兰高地风笛", "celtic_folk"), ("世界音乐风格的打击乐", "world"), ("印度西塔琴冥想曲", "world"),
    ("阿拉伯风情的旋律", "world"),
    # pop / ballad / latin / funk
    ("流行乐，副歌抓耳", "pop"), ("韩流偶像风格", "pop"), ("抒情慢歌", "ballad"), ("一首慢歌", "ballad"),
    ("桑巴舞曲", "latin"), ("萨尔萨舞曲", "latin"), ("伦巴节奏", "latin"), ("博萨诺瓦风格的吉他", "latin"),
    ("放克贝斯律动", "funk"), ("的士高舞曲", "funk"), ("迪斯可之夜", "funk"),
    # rock / blues
    ("硬摇滚", "rock"), ("重金属吉他", "rock"), ("朋克乐队", "rock"), ("布鲁斯吉他即兴", "blues"),
    ("三角洲蓝调", "blues"),
    # electronic
    ("嘻哈说唱伴奏", "electronic"), ("说唱节拍", "electronic"), ("蒸汽波", "electronic"), ("科技舞曲", "electronic"),
    ("低保真学习音乐", "electronic"), ("回响贝斯", "electronic"), ("鼓打贝斯", "electronic"),
    ("合成器流行", "electronic"), ("合成器浪潮", "electronic"), ("出神舞曲", "electronic"), ("铁克诺", "electronic"),
    # chiptune
    ("电子游戏芯片音乐", "chiptune"), ("八比特冒险", "chiptune"), ("8比特音乐", "chiptune"),
    ("FC游戏风格的音乐", "chiptune"), ("复古游戏机音乐", "chiptune"), ("8-bit音乐", "chiptune"),
    # jazz / ambient / dance forms
    ("爵士大乐队", "jazz"), ("比波普", "jazz"), ("摇摆爵士", "jazz"), ("氛围电子", "ambient"),
    ("环境氛围音乐", "ambient"), ("华丽圆舞曲", "waltz"), ("军乐进行曲", "march"), ("繁音拍子", "ragtime"),
    ("钢琴小品", "piano"),
    # English
    ("vaporwave", "electronic"), ("trip hop beat", "electronic"), ("big band swing", "jazz"),
    ("hard rock anthem", "rock"), ("rumba", "latin"), ("bach chorale", "baroque_chorale"),
    ("pop ballad, piano", "ballad"), ("creepy horror score", "cinematic"), ("horror music for a haunted house", "cinematic"),
]


@pytest.mark.parametrize("text, style", TUNING)
def test_style_words(text, style):
    assert style in STYLES
    result = understand(text)
    assert (result.kind, result.controls.style) == ("music", style)


def test_tuning_set_reaches_the_target():
    right = sum(getattr(understand(text).controls, "style", None) == style for text, style in TUNING)
    assert right / len(TUNING) >= 0.95
