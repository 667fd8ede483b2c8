#!/usr/bin/python3
"""
Writes test/fixtures/onnx/: a small PyTorch text classifier exported with torch.onnx.export, the
vocabulary, labels, tokenizer spec and the probabilities PyTorch computes for a few texts, so the
tests can check that `lading import-onnx` reproduces them.

Run with Debian's PyTorch (apt-get install python3-torch python3-onnx):
    /usr/bin/python3 scripts/make-onnx-fixture.py
Tokenisation mirrors lading's "words" tokeniser for ASCII: lower case, runs of [a-z0-9].
"""
import json
import os
import re

import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'onnx')
MAX_LEN = 16
LABELS = ['3924', '6109', '8517']
WORDS = {
    '3924': ['plastic', 'cups', 'bowls', 'spoon', 'tableware', 'kitchen', 'storage', 'box'],
    '6109': ['cotton', 'tshirt', 'shirt', 'knitted', 'vest', 'tank', 'top', 'jersey'],
    '8517': ['phone', 'smartphone', 'mobile', 'telephone', 'router', 'wireless', 'handset', 'modem'],
}
COMMON = ['pcs', 'ctns', 'x', 'model', 'new', 'set']


def tokens(text):
    return re.findall(r'[a-z0-9]+', ' '.join(text.lower().split()))


def main():
    torch.manual_seed(7)
    gen = torch.Generator().manual_seed(7)
    vocab = ['<pad>', '<unk>'] + sorted({w for ws in WORDS.values() for w in ws} | set(COMMON))
    index = {w: i for i, w in enumerate(vocab)}

    def encode(text):
        ids = [index.get(t, 1) for t in tokens(text)][:MAX_LEN]
        return ids + [0] * (MAX_LEN - len(ids))

    texts, ys = [], []
    for _ in range(600):
        c = int(torch.randint(0, 3, (1,), generator=gen))
        ws = WORDS[LABELS[c]]
        n = int(torch.randint(2, 6, (1,), generator=gen))
        words = [ws[int(torch.randint(0, len(ws), (1,), generator=gen))] for _ in range(n)]
        words.insert(0, f"{int(torch.randint(1, 500, (1,), generator=gen))} ctns x")
        texts.append(' '.join(words))
        ys.append(c)

    class MeanEmbeddingClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(len(vocab), 16, padding_idx=0)
            self.output = torch.nn.Linear(16, len(LABELS))

        def forward(self, input_ids):
            mask = (input_ids != 0).unsqueeze(-1).float()
            summed = (self.embedding(input_ids) * mask).sum(dim=1)
            mean = summed / mask.sum(dim=1).clamp(min=1.0)
            return self.output(mean)

    model = MeanEmbeddingClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    x = torch.tensor([encode(t) for t in texts], dtype=torch.long)
    y = torch.tensor(ys)
    for _ in range(30):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    model.eval()

    os.makedirs(OUT, exist_ok=True)
    torch.onnx.export(model, (x[:2],), os.path.join(OUT, 'mean-embedding.onnx'), input_names=['input_ids'], output_names=['logits'],
                      dynamic_axes={'input_ids': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)
    with open(os.path.join(OUT, 'vocab.txt'), 'w') as f:
        f.write('\n'.join(vocab) + '\n')
    with open(os.path.join(OUT, 'labels.txt'), 'w') as f:
        f.write('\n'.join(LABELS) + '\n')
    spec = {'inputName': 'input_ids', 'dtype': 'int64', 'vocab': 'vocab.txt', 'lowercase': True, 'tokenise': 'words',
            'maxLength': MAX_LEN, 'fixedLength': True, 'padding': 'right', 'padId': 0, 'unkId': 1,
            'outputName': 'logits', 'outputKind': 'logits'}
    with open(os.path.join(OUT, 'tokenizer.json'), 'w') as f:
        json.dump(spec, f, indent=2)
    probe = ['100 CTNS X 50 PCS PLASTIC CUPS', 'Cotton T-shirt, knitted', 'wireless ROUTER model x2', 'unknown words only', '']
    with torch.no_grad():
        proba = torch.softmax(model(torch.tensor([encode(t) for t in probe], dtype=torch.long)), dim=1)
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'texts': probe, 'probabilities': [[round(float(p), 7) for p in row] for row in proba]}, f, indent=2)
    print('wrote', os.path.abspath(OUT))


if __name__ == '__main__':
    main()
