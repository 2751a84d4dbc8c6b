"""The `museforge` command: a thin typer adapter over the library.

Heavy modules (torch, music21, symusic) are imported inside commands so `--help` stays fast.
A :class:`MuseforgeError` becomes one line on stderr and exit code 2; usage errors exit 2 too.
"""

from __future__ import annotations

import typer

from museforge.serve.cli_common import run

app = typer.Typer(help="museforge: AI music and sound effects on a CPU.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)

# Sub-apps register after the root app exists; each imports its heavy modules inside its commands.
from museforge.serve import (  # noqa: E402
    cli_arrange, cli_batch, cli_bench, cli_compose, cli_data, cli_judge, cli_prompt, cli_render, cli_serve, cli_sfx,
    cli_train,
)

for _name, _module in (("compose", cli_compose), ("arrange", cli_arrange), ("render", cli_render),
                       ("sfx", cli_sfx), ("prompt", cli_prompt), ("serve", cli_serve), ("data", cli_data),
                       ("train", cli_train), ("judge", cli_judge)):
    app.add_typer(_module.app, name=_name)

# Shortcuts for what musicians do most: the very same commands as `museforge compose continue|harmonise|vary`.
for _name, _command in (("continue", cli_compose.continue_command), ("harmonise", cli_compose.harmonise_command),
                        ("vary", cli_compose.vary_command)):
    app.command(_name)(_command)
app.command("batch")(cli_batch.batch_command)
app.command("bench")(cli_bench.bench_command)


@app.command("demo")
def demo_command(out: str = typer.Option("out/demo", help="folder for the demo's files")) -> None:
    """Run the main job on the shipped defaults and print where its files are."""
    from museforge.demo import run_demo

    paths = run_demo(out)
    print(f"\nwrote {len(paths)} files:")
    for path in paths:
        print(f"  {path}")


def main() -> None:
    run(app)


if __name__ == "__main__":
    main()
