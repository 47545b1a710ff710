"""Command line: ``python -m skhep_models`` (console script ``skhep-models``).

Argument parsing only; the subcommands live in :mod:`skhep_models.cli`.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from ._version import __version__
from .cli import COMPARISONS, ESTIMATORS, GENERATORS, CLIError, compare, generate, tune

__all__ = ["build_parser", "main"]

_EXAMPLES = """\
examples:
  %(prog)s generate dielectron -n 100000 -o dielectron.csv --random-state 1
  %(prog)s compare mass --quick --out mass_report
  %(prog)s compare mass --data dielectron.csv --out mass_report
  %(prog)s tune mass --data dielectron.csv --target M --features E1,px1,py1,pz1,E2,px2,py2,pz2
"""


def _prog():
    # the console script, else (python -m, or main() called from Python) the module
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return name if name == "skhep-models" else "python -m skhep_models"


def _describe(text, entries=None, heading=None):
    """``text`` wrapped, then ``name  what`` lines with the whats wrapped under each other."""
    parts = [textwrap.fill(text, 88)]
    if entries:
        width = max(map(len, entries)) + 4
        lines = [heading] if heading else []
        for name, what in entries.items():
            wrapped = textwrap.wrap(what, 88 - width)
            lines.append(f"  {name:{width - 2}}{wrapped[0]}")
            lines += [" " * width + line for line in wrapped[1:]]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _subcommand(sub, common, name, summary, text, entries, heading):
    return sub.add_parser(name, parents=[common], help=summary,
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          description=_describe(text, entries, heading))  # fmt: skip


def build_parser():
    """The argparse parser of the three subcommands."""
    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="Particle-physics ML estimators from the command line: generate samples, "
        "compare our estimators with the baselines, tune their hyper-parameters.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skhep_models {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bars (they go to stderr)")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _subcommand(
        sub, common, "generate", "write a generated sample to a .csv, .root or .parquet file",
        "Generate a sample and write it to FILE, in chunks. The format follows the extension: "
        ".csv (pandas), .root (a flat TTree, uproot), .parquet (needs pyarrow).",
        GENERATORS, "samples:",
    )
    p.add_argument("kind", choices=list(GENERATORS), help="the sample")
    p.add_argument("-n", "--events", type=int, required=True, metavar="N", help="number of events")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="output .csv, .root or .parquet")  # fmt: skip
    p.add_argument("--random-state", type=int, default=None, metavar="SEED",
                   help="seed for reproducible events (default: fresh randomness)")
    p.add_argument("--chunk-size", type=int, default=100_000, metavar="N",
                   help="events made and written at a time (default 100000); the events depend "
                        "on it when N is larger")
    p.add_argument("--tree", default="events", help="TTree name in a .root file (default events)")
    p.add_argument("--mean-pileup", type=float, default=None, metavar="MU",
                   help="w-recoil: mean pile-up <mu> (default 33.7, ATLAS Run 2)")
    p.add_argument("--objects", action="store_true",
                   help="w-recoil, .root: also write the jagged particle-flow and jet "
                        "collections (ChargedPFO_Px[nChargedPFO], ..., Jet_Py[nJet])")
    p.add_argument("--masses", type=_floats, default=None, metavar="M1,M2,...",
                   help="ttbar-resonance: signal masses in GeV (default 500,750,1000,1250,1500)")
    p.add_argument("--signal-fraction", type=float, default=0.5, metavar="F",
                   help="ttbar-resonance: fraction of signal events, spread evenly over the "
                        "masses (default 0.5)")  # fmt: skip
    p.set_defaults(handler=_generate)

    p = _subcommand(
        sub, common, "compare",
        "train our estimator and the baselines, write a markdown report with plots",
        "Train one of our estimators and its baselines on one problem and write DIR/report.md "
        "(tables of the metrics side by side, ratios to our estimator, the settings and the "
        "machine) and PNG plots. A minute or two on 2 CPU cores by default, seconds with "
        "--quick. This is the quick user-facing version; the full studies are the scripts in "
        "the repository's benchmarks/ folder.",
        COMPARISONS, "comparisons:",
    )  # fmt: skip
    p.add_argument("kind", choices=list(COMPARISONS), help="the comparison")
    p.add_argument("--data", default=None, metavar="PATH",
                   help="real or saved data instead of generated events: mass, a .csv/.root/"
                        ".parquet file with the CMS dielectron/dimuon columns (E1, px1, ..., M); "
                        "parameterized and recoil, a file in the schema of `generate "
                        "ttbar-resonance` / `generate w-recoil`; shaking, the folder holding "
                        "higgs_uci/ (UCI HIGGS)")
    p.add_argument("--events", type=int, default=None, metavar="N",
                   help="events to generate (or to take from --data); defaults per comparison")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for report.md and the plots (default compare_KIND)")
    p.add_argument("--quick", action="store_true",
                   help="small samples and short trainings: seconds")  # fmt: skip
    p.add_argument("--random-state", type=int, default=0, metavar="SEED", help="seed (default 0)")
    p.set_defaults(handler=_compare)

    p = _subcommand(
        sub, common, "tune",
        "Bayesian hyper-parameter search of one of our estimators on a data file",
        "Search the hyper-parameters of one of our estimators with skopt's BayesSearchCV over "
        "its space from skhep_models.tuning, on the events of a .csv, .root or .parquet file, "
        "and print the best point (and write it as JSON with --out).",
        {k: f"aliases {', '.join(a)}" + (f"; --space {'|'.join(s)}" if s else "")
         for k, (a, s, _) in ESTIMATORS.items()},
        "estimators (any case):",
    )  # fmt: skip
    p.add_argument("estimator", help="estimator class name or alias, e.g. mass, recoil, "
                                     "parameterized, shaking")  # fmt: skip
    p.add_argument("--data", required=True, metavar="FILE", help="a .csv, .root or .parquet file")
    p.add_argument("--tree", default=None, help="TTree of a .root file (default: its only tree)")
    p.add_argument("--target", required=True, action="append", metavar="COL",
                   help="target column; RecoilDNNRegressor takes several (ux,uy or repeated)")
    p.add_argument("--features", action="append", default=None, metavar="COL,COL,...",
                   help="input columns (default: every other numeric column except Run, "
                        "Event, truth_pt and the weight)")
    p.add_argument("--weight", default=None, metavar="COL",
                   help="event-weight column, used in every fold's fit and score")
    p.add_argument("--param-columns", action="append", default=None, metavar="COL",
                   help="ParameterizedNNClassifier: the physics-parameter inputs (default mass "
                        "if it is a feature, else none)")
    p.add_argument("--space", default=None, metavar="KIND",
                   help="variant of the search space where the estimator has them (see above)")
    p.add_argument("--n-iter", type=int, default=10, metavar="N", help="points tried (default 10)")
    p.add_argument("--cv", type=int, default=3, metavar="K",
                   help="cross-validation folds (default 3)")  # fmt: skip
    p.add_argument("--max-epochs", type=int, default=50, metavar="N",
                   help="epochs of each fit (default 50); for AUCShakingClassifier the number of "
                        "shakes, then not searched")
    p.add_argument("--scoring", default=None, metavar="NAME",
                   help="a scikit-learn scorer name, or recoil_resolution, roc_auc_hep, "
                        "separation_power, significance; default neg_root_mean_squared_error "
                        "(mass), recoil_resolution (recoil), roc_auc (classifiers)")
    p.add_argument("--dask-scheduler", default=None, metavar="ADDRESS",
                   help="run the fits on a Dask cluster: its scheduler address (tcp://host:8786), "
                        "or 'local' for a LocalCluster on this machine")
    p.add_argument("--random-state", type=int, default=0, metavar="SEED", help="seed (default 0)")
    p.add_argument("--out", default=None, metavar="FILE.json",
                   help="also write the results as JSON")  # fmt: skip
    p.set_defaults(handler=_tune)
    return parser


def _floats(text):
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, got {text!r}"
        ) from None


def _generate(args):
    n = generate(args.kind, args.events, args.output, random_state=args.random_state,
                 chunk_size=args.chunk_size, tree=args.tree, mean_pileup=args.mean_pileup,
                 masses=args.masses, signal_fraction=args.signal_fraction, objects=args.objects,
                 progress=args.progress)  # fmt: skip
    print(f"wrote {n:,} {args.kind} events to {args.output}")


def _compare(args):
    path, text = compare(args.kind, data=args.data, events=args.events,
                         out=args.out or f"compare_{args.kind}", quick=args.quick,
                         random_state=args.random_state, progress=args.progress)  # fmt: skip
    print(text)
    print(f"report written to {path}")


def _tune(args):
    tune(args.estimator, args.data, args.target, features=args.features, space=args.space,
         n_iter=args.n_iter, cv=args.cv, max_epochs=args.max_epochs, scoring=args.scoring,
         weight=args.weight, param_columns=args.param_columns,
         dask_scheduler=args.dask_scheduler, random_state=args.random_state, out=args.out,
         tree=args.tree, progress=args.progress)  # fmt: skip


def main(argv=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code.

    0 on success, 2 for a user error (bad path, column, name, option), with one line on
    stderr that says what is wrong.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.handler(args)
    except SystemExit as exc:  # argparse: --help and --version (0), a bad option (2)
        return exc.code if isinstance(exc.code, int) else 1
    except CLIError as exc:
        print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
