"""A character-level MLP language model: an embedding table indexed with a tensor (C[X]),
view to concatenate, tanh hidden layer, F.cross_entropy, minibatches from torch.randint
with a generator, a learning-rate drop, train/dev loss, and sampling with F.softmax.

Port corpus: modelled on karpathy/nn-zero-to-hero
lectures/makemore/makemore_part2_mlp.ipynb; written anew as a script, not copied.
Made-up words instead of names.txt; 300 steps instead of 200000.
"""
import itertools
import random

import torch
import torch.nn.functional as F

syllables = ["ka", "ri", "mo", "le", "an", "na", "el", "li", "so", "ph", "ia", "ja",
             "de", "on", "ma", "ry", "ev", "ch", "ar", "lo", "zu", "bex", "qui", "tw"]
words = [a + b for a, b in itertools.product(syllables, repeat=2)]
words += [a + b + c for a, b, c in itertools.islice(
    itertools.product(syllables, repeat=3), 0, 13824, 11)]
chars = sorted(list(set("".join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
vocab_size = len(itos)

block_size = 3


def build_dataset(words):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, Y.shape)
    return X, Y


random.seed(42)
random.shuffle(words)
n1 = int(0.8 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:])

g = torch.Generator().manual_seed(2147483647)
C = torch.randn((vocab_size, 10), generator=g)
W1 = torch.randn((30, 200), generator=g)
b1 = torch.randn(200, generator=g)
W2 = torch.randn((200, vocab_size), generator=g)
b2 = torch.randn(vocab_size, generator=g)
parameters = [C, W1, b1, W2, b2]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

lossi = []
for i in range(300):
    ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
    emb = C[Xtr[ix]]
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Ytr[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 200 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    lossi.append(loss.log10().item())
    if i % 100 == 0:
        print(i, loss.item())

emb = C[Xtr]
h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
logits = h @ W2 + b2
print("train", F.cross_entropy(logits, Ytr).item())
emb = C[Xdev]
h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
logits = h @ W2 + b2
print("dev", F.cross_entropy(logits, Ydev).item())
print("mean log10 loss", sum(lossi[-100:]) / 100)

g = torch.Generator().manual_seed(2147483647 + 10)
for _ in range(5):
    out = []
    context = [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        h = torch.tanh(emb.view(1, -1) @ W1 + b1)
        logits = h @ W2 + b2
        probs = F.softmax(logits, dim=1)
        ix = torch.multinomial(probs, num_samples=1, generator=g).item()
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0:
            break
    print("".join(itos[i] for i in out))
