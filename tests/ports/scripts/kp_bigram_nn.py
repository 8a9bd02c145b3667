"""The bigram model as a one-layer network: F.one_hot inputs, weights drawn with a seeded
Generator, softmax by hand, probs[torch.arange(n), ys].log().mean(), W.grad = None and the
update W.data += -lr * W.grad, then sampling.

Port corpus: modelled on karpathy/nn-zero-to-hero
lectures/makemore/makemore_part1_bigrams.ipynb (second half); written anew as a script,
not copied. Made-up words instead of names.txt; 30 steps instead of 100.
"""
import itertools

import torch
import torch.nn.functional as F

syllables = ["ka", "ri", "mo", "le", "an", "na", "el", "li", "so", "ph", "ia", "ja",
             "de", "on", "ma", "ry", "ev", "ch", "ar", "lo", "zu", "bex", "qui", "tw"]
words = [a + b for a, b in itertools.product(syllables, repeat=2)]
chars = sorted(list(set("".join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
V = len(stoi)

xs, ys = [], []
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print("number of examples: ", num)

xenc = F.one_hot(xs, num_classes=V).float()
print(xenc.shape, xenc.dtype, xenc[:3].argmax(1))

g = torch.Generator().manual_seed(2147483647)
W = torch.randn((V, V), generator=g, requires_grad=True)

for k in range(30):
    xenc = F.one_hot(xs, num_classes=V).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
    if k % 5 == 0 or k == 29:
        print(k, loss.item())
    W.grad = None
    loss.backward()
    W.data += -50 * W.grad

g = torch.Generator().manual_seed(2147483647)
for i in range(5):
    out = []
    ix = 0
    while True:
        xenc = F.one_hot(torch.tensor([ix]), num_classes=V).float()
        logits = xenc @ W
        counts = logits.exp()
        p = counts / counts.sum(1, keepdims=True)
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print("".join(out))
