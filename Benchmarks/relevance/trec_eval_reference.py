#!/usr/bin/env python3
"""trec_eval's figures for a run and qrels, through pytrec_eval (PyPI: pytrec-eval-terrier).

usage: trec_eval_reference.py QRELS RUN MEASURE[,MEASURE...]
MEASUREs are trec_eval names (ndcg_cut.10, map, map_cut.5, recip_rank, P.10, recall.100).
Prints one JSON object: {"QUERY": {"MEASURE": value, ...}, ...}. `saiga eval` must print the same numbers
(SaigaCLITests/EvalCLITests checks it).
"""
import json
import sys

import pytrec_eval


def main():
    qrels_path, run_path, measures = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    qrels, run = {}, {}
    with open(qrels_path) as f:
        for line in f:
            parts = line.split()
            if parts:
                qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    with open(run_path) as f:
        for line in f:
            parts = line.split()
            if parts:
                run.setdefault(parts[0], {})[parts[2]] = float(parts[4])
    # pytrec_eval reports a parameterized measure as e.g. ndcg_cut_10; give it back under trec_eval's name.
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, set(measures))
    results = evaluator.evaluate(run)
    out = {q: {m: values[m.replace(".", "_")] for m in measures} for q, values in results.items()}
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
