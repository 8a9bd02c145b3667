"""Character bigram language model by counting: an int32 count table filled with
N[i, j] += 1, row-normalised probabilities, sampling with torch.multinomial and a seeded
torch.Generator, and the average negative log-likelihood.

Port corpus: modelled on karpathy/nn-zero-to-hero
lectures/makemore/makemore_part1_bigrams.ipynb (first half); written anew as a script,
not copied. names.txt replaced by made-up syllable words generated in the script.
"""
import itertools

import torch

syllables = ["ka", "ri", "mo", "le", "an", "na", "el", "li", "so", "ph", "ia", "ja",
             "de", "on", "ma", "ry", "ev", "ch", "ar", "lo", "zu", "bex", "qui", "tw"]
words = [a + b for a, b in itertools.product(syllables, repeat=2)]
words += [a + b + c for a, b, c in itertools.islice(
    itertools.product(syllables, repeat=3), 0, 13824, 11)]
print(len(words), words[:5], min(len(w) for w in words), max(len(w) for w in words))

chars = sorted(list(set("".join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
V = len(stoi)

N = torch.zeros((V, V), dtype=torch.int32)
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        N[stoi[ch1], stoi[ch2]] += 1
print(N.sum().item(), N[0].tolist()[:10], N.max().item())

p = N[0].float()
p = p / p.sum()
print(p[:6])

g = torch.Generator().manual_seed(2147483647)
probe = torch.rand(3, generator=g)
print(probe)
ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
print(itos[ix])

P = (N + 1).float()
P /= P.sum(1, keepdims=True)
print(P.shape, P[0].sum().item())

g = torch.Generator().manual_seed(2147483647)
for i in range(5):
    out = []
    ix = 0
    while True:
        p = P[ix]
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print("".join(out))

log_likelihood = 0.0
n = 0
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        prob = P[stoi[ch1], stoi[ch2]]
        logprob = torch.log(prob)
        log_likelihood += logprob
        n += 1
print(f"{log_likelihood=}")
nll = -log_likelihood
print(f"{nll=}")
print(f"{nll/n}")
