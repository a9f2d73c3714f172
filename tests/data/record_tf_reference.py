"""Record what real TensorFlow gives for the programs in tests/tf_programs.py into tf_reference.json.

    python tests/data/record_tf_reference.py      # in an environment with tensorflow (and NumPy) installed

tests/test_tf_reference.py compares bibun.tf with the recorded results (and with TensorFlow itself, when it
can be imported). Run again only when a program changes.
"""
import json
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tf_programs  # noqa: E402


def main():
    results = {}
    for program in tf_programs.PROGRAMS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results[program.__name__] = tf_programs.run(tf, program)
    doc = {
        "made_with": {"tensorflow": tf.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
                      "command": "python tests/data/record_tf_reference.py (in a venv with tensorflow-cpu "
                                 + tf.__version__ + ")"},
        "results": results,
    }
    path = os.path.join(HERE, "tf_reference.json")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=False, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
