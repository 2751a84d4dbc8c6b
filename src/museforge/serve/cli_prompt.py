"""`museforge prompt ...`: show what a free-text prompt (English or Chinese) becomes as controls."""

from __future__ import annotations

import json

import typer

app = typer.Typer(help="Free-text prompts -> controls, showing what was understood and ignored.",
                  no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Free-text prompts -> controls (a group, so `read` stays a sub-command when more are added)."""


@app.command("read")
def read_command(
    text: str = typer.Argument(..., help="the prompt, at most 1000 characters"),
    as_json: bool = typer.Option(False, "--json", help="print the whole result as one JSON object"),
) -> None:
    """Read a prompt and print its kind, controls, understood spans and ignored words.

    Examples:
      museforge prompt read "tense orchestral boss fight, 140 bpm, D minor, 90 seconds"
      museforge prompt read "轻快的钢琴曲，适合咖啡馆，两分钟" --json
    """
    from museforge.prompt import understand

    result = understand(text).to_dict()
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    controls = {k: v for k, v in result["controls"].items() if v not in (None, [], {}, False) and k != "kind"}
    print(f"kind: {result['kind']}")
    for name, value in controls.items():
        print(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    print("understood:")
    for item in result["understood"]:
        print(f"  {item['span']!r} -> {item['field']} = {json.dumps(item['value'], ensure_ascii=False)}")
    print(f"ignored: {', '.join(repr(s) for s in result['ignored']) or '(nothing)'}")
