"""The commands of ``loopnet``, one module each, and the table that registers them.

A command is a module with ``add_parser(sub)`` (adds its subparser to argparse's ``sub`` and returns it;
standard library only, so ``loopnet --help`` stays fast) and ``run(args)`` (does the work, returns the exit
code). Registering one is one row of :data:`COMMANDS`: ``"name": (module.add_parser, module.run)``.
"""
from . import compile as _compile
from . import evaluate, exercise, explain, playground, predict, train

COMMANDS = {
    "train": (train.add_parser, train.run),
    "evaluate": (evaluate.add_parser, evaluate.run),
    "predict": (predict.add_parser, predict.run),
    "explain": (explain.add_parser, explain.run),
    "exercise": (exercise.add_parser, exercise.run),
    "playground": (playground.add_parser, playground.run),
    "compile": (_compile.add_parser, _compile.run),
}
