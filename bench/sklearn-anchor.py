"""scikit-learn LinearSVC on the benchmark's own split, for `npm run bench:accuracy`.

    /usr/bin/python3 bench/sklearn-anchor.py DIR [CONFIG]

Reads DIR/train.csv and DIR/test.csv (columns text,label, written by bench/sklearn-anchor.ts),
fits CONFIG on train, predicts test, writes DIR/predictions.json (one label per test row, in
order; the caller scores it with lading's own evaluation) and prints one JSON line of timings.
Debian's python3-sklearn (1.2) is enough; nothing here is tuned on the test rows.

CONFIG (default "anchor"):
  anchor    the pipeline the issue's figures come from (../shared/anchors/fastapi_anchor.py):
            word 1-2-gram + char_wb 2-5-gram (min_df 2) TF-IDF, sublinear tf, LinearSVC(C=0.5)
  defaults  TfidfVectorizer() + LinearSVC(), every setting left at scikit-learn's default
  word12    TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True) + LinearSVC()
"""
import csv
import json
import os
import sys
import time


def pipeline(config):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC
    if config == 'anchor':
        return make_pipeline(
            make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
                       TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=True)),
            LinearSVC(C=0.5))
    if config == 'defaults':
        return make_pipeline(TfidfVectorizer(), LinearSVC())
    if config == 'word12':
        return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LinearSVC())
    raise SystemExit(f'unknown config "{config}"; known: anchor, defaults, word12')


def read(path):
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    return [r['text'] for r in rows], [r['label'] for r in rows]


def main():
    if len(sys.argv) < 2:
        raise SystemExit('usage: sklearn-anchor.py DIR [anchor|defaults|word12]')
    folder = sys.argv[1]
    config = sys.argv[2] if len(sys.argv) > 2 else 'anchor'
    import sklearn
    train_x, train_y = read(os.path.join(folder, 'train.csv'))
    test_x, _ = read(os.path.join(folder, 'test.csv'))
    pipe = pipeline(config)
    t0 = time.perf_counter()
    pipe.fit(train_x, train_y)
    fit_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    predicted = [str(p) for p in pipe.predict(test_x)]
    predict_seconds = time.perf_counter() - t1
    with open(os.path.join(folder, 'predictions.json'), 'w', encoding='utf-8') as f:
        json.dump(predicted, f)
    print(json.dumps({'config': config, 'sklearn': sklearn.__version__, 'fitSeconds': fit_seconds,
                      'predictPerSec': len(test_x) / predict_seconds if predict_seconds > 0 else None}))


if __name__ == '__main__':
    main()
