#!/usr/bin/python3
"""
The PyTorch side of `npm run bench:models`: a word-level Text-CNN of the same shape as lading's
(embedding 128, 128 filters at widths 2/3/4, max-pool, dropout 0.5, Adam 1e-3, batch 64) on the
bench split, on ONE thread. Prints one JSON line: training texts/s, seconds, test accuracy, macro-F1.
    /usr/bin/python3 bench/torch-textcnn.py TRAIN.csv TEST.csv [EPOCHS]
"""
import csv
import json
import re
import sys
import time
from collections import Counter

import torch

torch.set_num_threads(1)
torch.manual_seed(1)


def read(path):
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    return [r['text'] for r in rows], [r['label'] for r in rows]


def tokens(text):
    return re.findall(r'[0-9a-z]+', ' '.join(text.lower().split()))


train_x, train_y = read(sys.argv[1])
test_x, test_y = read(sys.argv[2])
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
counts = Counter(t for x in train_x for t in tokens(x))
vocab = {w: i + 2 for i, w in enumerate(sorted(w for w, c in counts.items() if c >= 2))}
labels = sorted(set(train_y))
label_id = {l: i for i, l in enumerate(labels)}
MAX = 64


def encode(texts):
    ids = [[vocab.get(t, 1) for t in tokens(x)][:MAX] for x in texts]
    width = max(4, max(len(r) for r in ids))
    return torch.tensor([r + [0] * (width - len(r)) for r in ids], dtype=torch.long)


class TextCnn(torch.nn.Module):
    def __init__(self, vocab_size, classes):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, 128, padding_idx=0)
        self.convs = torch.nn.ModuleList([torch.nn.Conv1d(128, 128, w) for w in (2, 3, 4)])
        self.dropout = torch.nn.Dropout(0.5)
        self.output = torch.nn.Linear(3 * 128, classes)

    def forward(self, ids):
        x = self.embedding(ids).transpose(1, 2)
        pooled = [torch.relu(c(x)).max(dim=2).values for c in self.convs]
        return self.output(self.dropout(torch.cat(pooled, dim=1)))


model = TextCnn(len(vocab) + 2, len(labels))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
y = torch.tensor([label_id[l] for l in train_y])
started = time.perf_counter()
for epoch in range(epochs):
    model.train()
    order = torch.randperm(len(train_x))
    for i in range(0, len(train_x), 64):
        idx = order[i:i + 64]
        batch = encode([train_x[j] for j in idx])
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(batch), y[idx])
        loss.backward()
        opt.step()
seconds = time.perf_counter() - started
model.eval()
right = 0
tp, fp, fn = Counter(), Counter(), Counter()
with torch.no_grad():
    for i in range(0, len(test_x), 256):
        pred = model(encode(test_x[i:i + 256])).argmax(dim=1).tolist()
        for p, t in zip(pred, test_y[i:i + 256]):
            pl = labels[p]
            if pl == t:
                right += 1
                tp[t] += 1
            else:
                fp[pl] += 1
                fn[t] += 1
classes = set(test_y) | set(labels)
f1 = [2 * tp[c] / (2 * tp[c] + fp[c] + fn[c]) if tp[c] + fp[c] + fn[c] > 0 else 0 for c in classes if tp[c] + fn[c] > 0 or fp[c] > 0]
print(json.dumps({'texts_per_second': epochs * len(train_x) / seconds, 'epochs': epochs, 'train_seconds': seconds,
                  'accuracy': right / len(test_x), 'macro_f1': sum(f1) / max(1, len(f1))}))
