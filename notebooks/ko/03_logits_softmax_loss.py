# %% [markdown]
# # 3. 로짓, 소프트맥스, 손실
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/ko/03_logits_softmax_loss.ipynb)
#
# 모델이 내놓는 날것의 점수인 **로짓(logits)**은 **소프트맥스(softmax)**를 거쳐 확률(probability)이
# 되고, 그 확률에 따라 단어를 하나 뽑습니다. 훈련(training)에서는 정답 단어의 `-log p`, 곧
# **교차 엔트로피 손실(cross-entropy loss)**로 모델을 채점합니다. 이 노트북은 블로그 글의 `[5, 10, 2]`
# 예제, `[batch*seq, vocab]`으로의 reshape, 패딩(padding)을 빼는 `ignore_index`, 그리고
# **퍼플렉서티(perplexity)**를 차례로 따라갑니다. 마지막으로 사전 훈련된 모델(the pretrained model)의
# 검증 퍼플렉서티 35가 무슨 뜻인지 알아보려고, 같은 레시피에서 단어를 세기만 하는 모델이 어디까지
# 가는지 계산해 봅니다.

# %% tags=["nbval-ignore-output"]
# Setup: under Colab, install the course package from GitHub (a few seconds; nothing is upgraded).
import importlib.util
import os
import subprocess
import sys

REPO_URL = "https://github.com/lstm-tutorial/lstm-tutorial"
if "google.colab" in sys.modules:
    source = os.environ.get("LSTM_TUTORIAL_INSTALL_FROM", f"git+{REPO_URL}")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], check=True)
elif importlib.util.find_spec("lstm_tutorial") is None:
    raise SystemExit(f"The course package is missing: run  pip install git+{REPO_URL}  then restart the kernel.")

import torch

from lstm_tutorial import resolve_device

device = resolve_device()  # the GPU when there is one, else the CPU
print("Using", device, torch.cuda.get_device_name() if device.type == "cuda" else "")

# %% [markdown]
# 패키지에 들어 있는 사전 훈련된 모델(책의 크기로, 함께 제공되는 말뭉치(corpus)의 레시피 3,271개 중
# 2,617개로 훈련했고 나머지 654개가 검증(validation) 분할입니다)과, 비교를 위해 크기가 같은 훈련 전
# 모델을 씁니다. 모든 계산을 CPU에서 하므로 어느 컴퓨터에서나 같은 수가 나옵니다. 여기서는 아무것도
# 훈련하지 않습니다.

# %%
import math
from collections import Counter

import matplotlib.pyplot as plt
from torch import nn

from lstm_tutorial import LSTMLM, TrainConfig, load_recipes, pretrained_model
from lstm_tutorial.checkpoints import checkpoint_loaders
from lstm_tutorial.data import pad_batch
from lstm_tutorial.language import set_language
from lstm_tutorial.pretrained import pretrained_history
from lstm_tutorial.training import evaluate_loss

model, vocab, checkpoint = pretrained_model("book", "cpu")  # 평가 모드: 드롭아웃 없음
config = TrainConfig.from_dict(checkpoint["config"])  # 어떻게 훈련했는지: 말뭉치, 크기, 분할
V = len(vocab)

torch.manual_seed(0)
untrained = LSTMLM.from_config(config, V).eval()
print(f"어휘: 단어 {V:,}개; 임베딩 {config.embedding_dim}, 은닉 {config.hidden_dim}")
print(f"사전 훈련된 모델: 에폭 {checkpoint['epoch']}, 만든 명령 `{checkpoint['command']}`")
set_language("ko")  # 패널과 차트를 한국어로 (한글 글꼴 포함)

# %% [markdown]
# ## 3.1 로짓은 날것의 점수입니다
#
# 블로그 글의 예를 다시 봅시다. 모델은 "다음 단어로 1번 단어는 5점, 2번 단어는 -3점, 3번 단어는
# 10점쯤 적절해 보인다"고 말합니다. 이런 점수는 음수일 수도, 1보다 클 수도 있고, 더해서 어떤 값이
# 되지도 않습니다. 이것이 **로짓**입니다. 소프트맥스는 이 점수를 `exp(z_i) / sum_j exp(z_j)`로
# 확률로 바꿉니다. 결과는 모두 0과 1 사이이고, 합이 1이며, 점수와 같은 순서를 지킵니다.

# %%
z = torch.tensor([5.0, -3.0, 10.0])
p = torch.exp(z) / torch.exp(z).sum()
print("로짓", z.tolist())
print("확률", [f"{value:.3g}" for value in p.tolist()], "합", round(p.sum().item(), 5))
torch.testing.assert_close(p, torch.softmax(z, dim=0))

# %% [markdown]
# ## 3.2 중요한 것은 점수 사이의 차이뿐입니다
#
# 모든 점수에 같은 수를 더해도 소프트맥스의 결과는 그대로입니다. 이 성질 덕분에 소프트맥스를 안전하게
# 계산할 수 있습니다. `exp(1000)`은 넘쳐(overflow) 버리므로, 소프트맥스는 먼저 가장 큰 점수를 뺍니다
# (`torch.softmax`도, 패키지의 `next_token_probs`도 그렇게 합니다).

# %%
torch.testing.assert_close(torch.softmax(z + 100, dim=0), torch.softmax(z, dim=0))

big = z + 1000
print("그대로 exp(z) / 합:", (torch.exp(big) / torch.exp(big).sum()).tolist())
shifted = big - big.max()
print("최댓값을 먼저 빼면:", [f"{value:.3g}" for value in (torch.exp(shifted) / torch.exp(shifted).sum()).tolist()])
print("torch.softmax:     ", [f"{value:.3g}" for value in torch.softmax(big, dim=0).tolist()])

# %% [markdown]
# ## 3.3 실제 프롬프트에 대한 모델의 로짓
#
# 모델은 위치마다 `vocab_size`개의 점수를 한 줄씩 돌려주므로 모양은 `[batch, seq, vocab_size]`이고,
# 마지막 줄이 프롬프트(prompt) 다음 단어의 점수입니다. 훈련 전 모델의 점수는 작고 무작위여서, 확률이
# 모두 `1 / vocab_size`의 두 배 범위 안에 있습니다. 사전 훈련된 모델은 "preheat the oven to"(오븐을
# ...도로 예열하세요) 다음에 확률의 거의 3분의 1을 `180`에 주고, 그다음 네 후보도 모두 오븐
# 온도(섭씨와 화씨)입니다. id는 가장 자주 나오는 단어부터 가장 드문 단어 순서로 매겨져 있으므로,
# 확률도 대체로 왼쪽에서 오른쪽으로 갈수록 떨어집니다. (바나나 브레드는 말뭉치에 있는 요리입니다.)

# %%
print([text[:45] for text in load_recipes(config.data, verbose=False) if "banana bread" in text.lower()[:60]])
prompt = "recipe for banana bread | preheat the oven to"
x = torch.tensor([vocab.encode(prompt)])
with torch.no_grad():
    logits, _ = model(x)
    untrained_logits, _ = untrained(x)
print("x", tuple(x.shape), "-> 로짓", tuple(logits.shape))

for name, scores in [("훈련 전", untrained_logits[0, -1]), ("사전 훈련", logits[0, -1])]:
    probs = torch.softmax(scores, dim=0)
    top = probs.topk(5)
    print(f"{name}: 로짓 {scores.min():6.2f} ~ {scores.max():5.2f}; 확률 "
          f"{probs.min():.2g} ~ {probs.max():.2g} (1 / vocab_size = {1 / V:.2g})")
    print(" " * 12, "상위 5개:", [(vocab.idx2token[i], f"{v:.3g}") for v, i in zip(top.values.tolist(), top.indices.tolist())])
    torch.testing.assert_close(probs.sum(), torch.tensor(1.0))

fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
for axis, (name, scores) in zip(axes, [("훈련 전", untrained_logits[0, -1]), ("사전 훈련", logits[0, -1])]):
    axis.plot(torch.softmax(scores, dim=0))
    axis.axhline(1 / V, color="red", linestyle="--", label="1 / vocab_size")
    axis.set(xlabel="단어 id", yscale="log", title=f"다음 단어의 확률 ({name})")
    axis.legend()
axes[0].set_ylabel("확률 (로그 눈금)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3.4 블로그 글의 예제: `[5, 10, 2]`와 마지막 줄
#
# 블로그 글은 생성기가 id `[5, 10, 2]`를 처리하는 과정을 따라갑니다. 이 id는 아무 세 토큰(token)짜리
# 프롬프트를 대신하는 자리표시자입니다. 여기서는 "recipe for banana"의 실제 id 세 개를 씁니다. 로짓의
# `t`번째 줄은 토큰 `t` 다음에 올 단어의 점수이고, 생성에는 마지막 줄 `logits[0, -1, :]`만 있으면
# 됩니다. 소프트맥스를 거쳐 단어를 하나 뽑고(draw), 이어 붙이고, 되풀이합니다. 두 번째 패스에서는 줄이
# 하나 늘어납니다. 단어는 패키지의 `draw(probs, generator)`로 뽑는데, 이 함수는 id `i`를 확률
# `probs[i]`로 고릅니다. 속은 3.5절에서 열어 봅니다.

# %%
from lstm_tutorial.sampling import draw

print("블로그 글의 id", [5, 10, 2], "=", [vocab.idx2token[i] for i in [5, 10, 2]])
tokens = vocab.encode("recipe for banana")
print("토큰", tokens, "=", [vocab.idx2token[i] for i in tokens])
generator = torch.Generator().manual_seed(0)  # 시드를 고정한 난수: 실행할 때마다 같은 단어를 뽑습니다
previous_logits = None
with torch.no_grad():
    for step in range(1, 3):
        x = torch.tensor([tokens])
        logits, _ = model(x)
        next_token_logits = logits[0, -1, :]  # 마지막 위치
        probs = torch.softmax(next_token_logits, dim=0)
        next_token = draw(probs, generator).item()
        print(f"패스 {step}: x {tuple(x.shape)} -> 로짓 {tuple(logits.shape)} (수 {logits[0].numel():,}개); "
              f"logits[0, {len(tokens) - 1}, :] -> {next_token} 선택 ({vocab.idx2token[next_token]!r}, p = {probs[next_token]:.3f})")
        if previous_logits is not None:  # 앞 토큰들의 줄은 바뀌지 않았습니다
            torch.testing.assert_close(logits[:, :-1], previous_logits)
        previous_logits = logits
        tokens = tokens + [next_token]
print("토큰", tokens, "=", vocab.decode(tokens))

# %% [markdown]
# 루프 안의 확인은 노트북 2에서 상태를 이어 가는 방식이 왜 통하는지 보여 줍니다. LSTM은 왼쪽에서
# 오른쪽으로 읽으므로, 단어를 뒤에 붙여도 앞 위치들의 점수는 바뀌지 않습니다. 블로그 글의 생성기처럼
# 전부 다시 읽으면 같은 수를 다시 계산할 뿐입니다.
#
# ## 3.5 샘플링: 확률에서 단어 뽑기
#
# 0부터 1까지의 선분 위에 확률을 차례로 이어 놓아 봅시다. 단어마다 자기 확률만큼의 구간을 차지하고,
# 그 구간은 **누적 합(cumulative sum)**에서 끝납니다. `[0, 1)`에서 균등하게 뽑은 난수 `u`가 단어 `i`의
# 구간에 떨어질 확률은 정확히 `probs[i]`입니다. 이것이 **역 CDF 샘플링(inverse-CDF sampling)**이고
# (누적 합이 곧 CDF입니다), 패키지의 `draw`는 모든 단어를 이렇게 뽑습니다. `cumsum`을 구하고,
# `torch.rand` 하나에 합계를 곱하고, `torch.searchsorted(cdf, u, right=True)`로 누적 확률이 `u`를 처음
# 넘는 단어를 찾습니다. 네 단어짜리 장난감 분포로 해 봅시다.

# %%
toy_words = ["salt", "sugar", "flour", "egg"]
toy_probs = torch.softmax(torch.tensor([2.0, 1.0, 0.1, -1.0]), dim=0)
toy_cdf = toy_probs.cumsum(dim=0)
starts = toy_cdf - toy_probs
print("단어           확률  [0, 1)에서의 구간")
for word, prob, start, end in zip(toy_words, toy_probs.tolist(), starts.tolist(), toy_cdf.tolist()):
    print(f"{word:<7} {prob:11.3f}  [{start:.3f}, {end:.3f})")

u = torch.rand(1, generator=torch.Generator().manual_seed(0)) * toy_cdf[-1]
picked = torch.searchsorted(toy_cdf, u, right=True).item()
print(f"u = {u.item():.3f}는 {toy_words[picked]!r}의 구간에 떨어집니다")

fig, axis = plt.subplots(figsize=(9, 1.6))
axis.barh(0, toy_probs, left=starts, color=[f"C{i}" for i in range(4)], edgecolor="white")
for word, prob, start in zip(toy_words, toy_probs.tolist(), starts.tolist()):
    axis.text(start + prob / 2, 0, word, ha="center", va="center", fontsize="small")
axis.axvline(u.item(), color="black", linestyle="--")
axis.text(u.item() + 0.01, 0.45, f"u = {u.item():.3f}")
axis.set(xlim=(0, 1), yticks=[], xlabel="누적 확률")
plt.show()

# %% [markdown]
# 손으로 짜면 뽑기는 세 줄입니다. 같은 시드를 준 생성기로는 패키지의 `draw`와 똑같은 단어를 고릅니다
# (`draw`는 반올림 오차로 `u`가 합계에 닿는 경우에 대비해 `u`를 합계보다 엄격히 작게 유지한다는 점만
# 더합니다).

# %%
def draw_by_hand(probs: torch.Tensor, generator: torch.Generator) -> int:
    """id 하나를 probs[i]의 확률로 뽑습니다: 누적 확률이 u를 처음 넘는 id입니다."""
    cdf = probs.cumsum(dim=0)
    u = torch.rand(1, generator=generator) * cdf[-1]  # [0, 합계)에서 균등
    return torch.searchsorted(cdf, u, right=True).item()


rng_for_hand, rng_for_package = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
by_hand = [draw_by_hand(toy_probs, rng_for_hand) for _ in range(1000)]
by_package = [draw(toy_probs, rng_for_package).item() for _ in range(1000)]
assert by_hand == by_package
print("1,000번 뽑기 중 처음 8개 (손으로 짠 함수와 패키지가 같음):", [toy_words[i] for i in by_hand[:8]])

# %% [markdown]
# 여러 번 뽑으면 각 단어는 대략 자기 확률만큼 나옵니다(`draw`는 한 번 뽑을 때마다 한 줄을 받습니다).
# 블로그 글의 `sample_from`이 부르는 `torch.multinomial(probs, 1)`은 같은 분포에서 뽑는 PyTorch의
# 일반적인 함수입니다. 다만 난수를 다르게 쓰므로, 같은 시드라도 다른 단어가 나옵니다. 뽑는 대신 늘
# 가장 확률이 높은 단어(`argmax`)를 고르면 **탐욕적 디코딩(greedy decoding)**이 되는데, 이 방식은
# 매번 같은 글을 씁니다. 그 중간 지점인 온도(temperature)는 노트북 4에서 다룹니다.

# %%
draws = draw(toy_probs.expand(10_000, -1), torch.Generator().manual_seed(0))[:, 0]
shares = torch.bincount(draws, minlength=4) / 10_000
print("확률     ", [round(v, 3) for v in toy_probs.tolist()])
print("뽑힌 비율", [round(v, 3) for v in shares.tolist()])
print("탐욕적 디코딩이 늘 고르는 단어:", repr(toy_words[toy_probs.argmax()]))
assert (shares - toy_probs).abs().max() < 0.02

positions = torch.arange(4)
plt.bar(positions - 0.2, toy_probs, width=0.4, label="확률")
plt.bar(positions + 0.2, shares, width=0.4, label="10,000번 뽑기에서의 비율")
plt.xticks(positions, toy_words)
plt.legend()
plt.show()

# %% [markdown]
# 모든 단어를 이렇게 뽑으므로, 우리가 직접 짠 루프는 패키지의
# `TextGenerator.sample(prompt, seed=s)`와 한 글자도 다르지 않은 글을 씁니다. `sample`은 모델의
# 장치에서 `torch.Generator`를 `manual_seed(s)`로 시드하고, 단어마다 `draw`를 한 번 부릅니다.
# 프롬프트를 한 번만 읽고 그다음부터는 LSTM 상태를 이어 가지만, 모든 것을 다시 읽는 블로그 글 방식의
# 루프와 같은 확률을 냅니다.

# %%
from lstm_tutorial import TextGenerator


def generate_by_rereading(prompt: str, max_tokens: int, seed: int) -> str:
    """블로그 글의 루프: 토큰을 모두 다시 읽고 다음 단어를 뽑으며, <EOS>나 max_tokens에서 멈춥니다."""
    generator = torch.Generator().manual_seed(seed)
    tokens = vocab.encode(prompt)
    with torch.no_grad():
        for _ in range(max_tokens):
            logits, _ = model(torch.tensor([tokens]))
            next_token = draw(torch.softmax(logits[0, -1], dim=0), generator).item()
            tokens.append(next_token)
            if next_token == vocab.eos_idx:
                break
    return vocab.decode(tokens)


text_generator = TextGenerator(model, vocab)
for seed in [0, 1]:
    ours = generate_by_rereading("recipe for banana", 30, seed)
    assert ours == text_generator.sample("recipe for banana", max_tokens=30, seed=seed)[0]
    print(f"시드 {seed}: {ours}")

# %% [markdown]
# ## 3.6 손실: 정답 단어의 `-log p`, 단위는 내트
#
# 훈련에서는 모델에게 한 위치와 실제로 그다음에 오는 단어를 보여 줍니다. `nn.CrossEntropyLoss`는
# 로짓과 그 단어의 id를 받아 `-log p(정답 단어)`를 돌려줍니다. 모델이 정답 단어에 높은 확률을 주었으면
# 0에 가깝고, 낮은 확률을 주었으면 큽니다. 소프트맥스가 손실(loss) 안에 들어 있으므로 모델은 확률이
# 아니라 로짓을 출력합니다. 로그는 자연로그이므로 손실의 단위는 **내트(nats)**(정보의 자연 단위)입니다.
# `log2`를 쓰면 비트가 되고, 1 내트 = 1 / ln 2 = 1.44 비트입니다.

# %%
criterion = nn.CrossEntropyLoss()
for target in [2, 0, 1]:
    loss = criterion(z.unsqueeze(0), torch.tensor([target]))  # [샘플 1개, 클래스 3개], [타깃 1개]
    by_hand = -torch.log_softmax(z, dim=0)[target]
    torch.testing.assert_close(loss, by_hand)
    print(f"정답 단어 {target}: p = {torch.softmax(z, dim=0)[target]:.3g}, "
          f"손실 = -log p = {loss:.4f} 내트 = {loss / math.log(2):.4f} 비트")

p_grid = torch.linspace(0.001, 1, 500)
plt.plot(p_grid, -torch.log(p_grid))
plt.xlabel("모델이 정답 단어에 준 확률")
plt.ylabel("손실 = -log p (내트)")
plt.show()

# %% [markdown]
# ## 3.7 reshape: `[batch, seq, vocab]` -> `[batch*seq, vocab]`
#
# 훈련 배치(batch)는 `[batch, seq, vocab_size]` 모양의 로짓과 `[batch, seq]` 모양의 타깃(target) `y`를
# 줍니다. `CrossEntropyLoss`는 `[N, C]` 점수와 `[N]` 타깃, 곧 샘플 N개와 클래스 C개를 원합니다. 그래서
# 블로그 글은 배치와 시간 축을 하나로 펼칩니다. `logits.view(-1, logits.size(-1))`와 `y.view(-1)`입니다.
# 이렇게 해도 되는 까닭은, LSTM이 이미 각 단어의 문맥을 그 줄에 담아 두었기 때문입니다. 로짓과 타깃의
# 순서만 맞으면 손실은 `batch*seq`개의 위치를 서로 독립인 샘플로 다룰 수 있습니다. 모델의 설정에서 다시
# 만든 검증 분할의 처음 8개 레시피(recipe)를, 패키지의 로더가 쓰는 `pad_batch`로 패딩해 배치 하나로
# 만듭니다.

# %%
train_loader, val_loader = checkpoint_loaders(checkpoint)
x, y = pad_batch(val_loader.dataset[:8], vocab.pad_idx)
with torch.no_grad():
    logits, _ = model(x)
flat_logits = logits.view(-1, logits.size(-1))
flat_targets = y.view(-1)
print("로짓", tuple(logits.shape), "-> 펼치면", tuple(flat_logits.shape))
print("y   ", tuple(y.shape), "     -> 펼치면", tuple(flat_targets.shape))

batch, seq = y.shape
b, t = 3, 17
torch.testing.assert_close(flat_logits[b * seq + t], logits[b, t])  # b*seq + t번째 줄이 위치 (b, t)
assert flat_targets[b * seq + t] == y[b, t]

# %% [markdown]
# ## 3.8 `view`, `reshape`, 그리고 연속 텐서
#
# 텐서는 메모리 한 덩어리에 **스트라이드(stride)**를 더한 것입니다. 스트라이드는 각 차원을 따라 한 칸
# 갈 때 메모리에서 몇 칸을 건너뛰는지를 말합니다. 수들이 메모리에 빈틈 없이 한 줄씩 차례로 놓여 있으면
# 텐서가 **연속(contiguous)**이라고 합니다. 연속인 `[3, 5]` 텐서의 스트라이드는 `(5, 1)`입니다. `view`는
# 수를 하나도 옮기지 않고 같은 메모리를 새 모양으로 읽기만 하므로, `view(-1)`에는 연속 텐서가 필요합니다.
# `reshape`는 할 수 있으면 뷰를 주고, 어쩔 수 없으면 복사합니다.
#
# 패딩한 배치에서 `y`를 잘라 내는 방식인 `batch[:, 1:]`는 부모의 메모리와 스트라이드 `(5, 1)`을 그대로
# 쓰면서 줄 길이만 4입니다. 0번 줄의 마지막 수와 1번 줄의 첫 수 사이에 건너뛴 첫 열이 끼어 있습니다.
# 그래서 이 조각은 연속이 아니고, `view(-1)`은 이를 거부합니다.

# %%
toy_batch = torch.arange(15).view(3, 5)  # id 5개짜리 레시피 3개
sliced = toy_batch[:, 1:]
print("batch", tuple(toy_batch.shape), "stride", toy_batch.stride(), "연속:", toy_batch.is_contiguous())
print("batch[:, 1:]", tuple(sliced.shape), "stride", sliced.stride(), "연속:", sliced.is_contiguous())
try:
    sliced.view(-1)
except RuntimeError:  # "view size is not compatible with input tensor's size and stride ..."
    print("batch[:, 1:].view(-1)은 RuntimeError를 냅니다")

flat = sliced.reshape(-1)
print("batch[:, 1:].reshape(-1):", flat.tolist(), "- 복사본:", flat.data_ptr() != sliced.data_ptr())
assert toy_batch.reshape(-1).data_ptr() == toy_batch.data_ptr()  # 연속이면 reshape는 복사 없는 뷰
assert torch.equal(flat, sliced.contiguous().view(-1))

# %% [markdown]
# 패키지의 `pad_batch`도 패딩한 배치에서 `x`와 `y`를 같은 방식으로 잘라 내지만, 그다음 둘 다에
# `.contiguous()`를 부릅니다. 그래서 모든 배치의 `y`가 연속이고 블로그 글의 `y.view(-1)`이 통합니다.
# `logits.view(...)`도 통하는데, 모델의 출력층이 새로운 연속 텐서에 값을 쓰기 때문입니다. 패키지 자신의
# 손실 계산은 어느 쪽이든 통하는 `y.reshape(-1)`을 씁니다.

# %%
print("y는 연속:", y.is_contiguous(), "  로짓은 연속:", logits.is_contiguous())
x_train, y_train = next(iter(train_loader))
print("훈련 배치의 y는 연속:", y_train.is_contiguous())
assert y.is_contiguous() and y_train.is_contiguous()
assert torch.equal(y.view(-1), y.reshape(-1))

# %% [markdown]
# ## 3.9 reshape를 빼면
#
# reshape 없이 부르면 호출이 잘못됩니다. `CrossEntropyLoss`는 3차원 입력에서 클래스가 1번 차원에 있기를
# (`[batch, vocab, seq]`) 기대하므로, `seq`를 클래스 수로 읽고 실패합니다. `transpose(1, 2)`로 어휘(vocabulary)
# 차원을 1번 차원으로 옮기는 것도 올바른 방법입니다.

# %%
try:
    criterion(logits, y)
except (RuntimeError, ValueError) as error:
    print("reshape 없이 criterion(logits, y)는 실패합니다:", type(error).__name__)

torch.testing.assert_close(criterion(logits.transpose(1, 2), y), criterion(flat_logits, flat_targets), rtol=1e-5, atol=0)
print("criterion(logits.transpose(1, 2), y) == criterion(flat_logits, flat_targets)")

# %% [markdown]
# ## 3.10 `ignore_index`: 패딩에는 손실을 매기지 않습니다
#
# 배치는 `<PAD>`(id 0)로 패딩되고, 레시피가 끝난 뒤의 위치들은 타깃이 `<PAD>`입니다. 패딩을 예측하는
# 것은 모델이 배울 일이 아니므로, 블로그 글의 `initialize_model`은 `nn.CrossEntropyLoss(ignore_index=0)`를
# 만듭니다. 그런 위치는 손실에서도, 그 평균에서도 빠집니다. 아래 그림은 배치의 모든 위치에서 사전 훈련된
# 모델의 손실을 보여 줍니다. 흰 부분이 패딩입니다.

# %%
pad_loss = nn.CrossEntropyLoss(ignore_index=vocab.pad_idx)
per_position = nn.functional.cross_entropy(flat_logits, flat_targets, reduction="none").view(batch, seq)
is_real = y != vocab.pad_idx
print(f"타깃 위치 {y.numel()}개 중 {int((~is_real).sum())}개가 <PAD>입니다")

# ignore_index = 실제 타깃만의 평균
torch.testing.assert_close(pad_loss(flat_logits, flat_targets), per_position[is_real].mean())
print(f"ignore_index=0인 손실:  {pad_loss(flat_logits, flat_targets):.4f}")
print(f"<PAD>까지 함께 센 손실: {criterion(flat_logits, flat_targets):.4f}")

plt.figure(figsize=(10, 3.5))
plt.imshow(per_position.masked_fill(~is_real, float("nan")), aspect="auto", cmap="magma")
plt.xlabel("위치")
plt.ylabel("배치 안의 레시피")
plt.title("정답 단어의 -log p, 사전 훈련된 모델 (흰색: 패딩, 무시됨)")
plt.colorbar(label="내트")
plt.show()

# %% [markdown]
# ## 3.11 퍼플렉서티
#
# **퍼플렉서티**는 `exp(손실)`이고, 이때 손실은 내트 단위입니다. 확률을 단어 `k`개에 고르게 나눠 주는
# 모델의 손실은 `log k`이고 퍼플렉서티는 `k`입니다. 그래서 퍼플렉서티는 "모델이 평균적으로 이만큼의
# 단어 사이에서 망설인다"로 읽을 수 있습니다. 어휘 전체에서 균등하게 찍으면 퍼플렉서티는 어휘 크기와
# 같습니다. 훈련 전 모델은 그 값에 가깝고, 사전 훈련된 모델은 훨씬 아래에 있습니다.

# %%
uniform_loss = criterion(torch.zeros(1, V), torch.tensor([7]))
torch.testing.assert_close(uniform_loss, torch.tensor(math.log(V)))
print(f"균등 추측: 손실 log({V}) = {uniform_loss:.2f} 내트, 퍼플렉서티 {math.exp(uniform_loss):,.0f}")

with torch.no_grad():
    untrained_logits, _ = untrained(x)
for name, scores in [("훈련 전", untrained_logits), ("사전 훈련", logits)]:
    batch_loss = pad_loss(scores.view(-1, V), y.view(-1)).item()
    print(f"{name + ':'} 손실 {batch_loss:.2f} 내트, 퍼플렉서티 {math.exp(batch_loss):,.0f}  (이 배치)")

# %% [markdown]
# ## 3.12 사전 훈련된 모델의 검증 퍼플렉서티
#
# 배치 하나는 작은 표본입니다. 모델을 대표하는 수는 **검증 분할** 전체에 대한 손실입니다. 검증 분할은
# 모델이 한 번도 훈련에 쓰지 않은 레시피의 5분의 1(654개)이고, 위에서 모델의 설정으로부터 훈련 때와
# 똑같이 다시 만들었습니다. 패키지의 `evaluate_loss`는 체크포인트(checkpoint)에 기록된 `val_loss`를 잴
# 때와 마찬가지로 float32로, 실제 타깃 단어 하나하나에 대해 손실을 평균합니다.

# %%
val_targets = sum(int((y_val != vocab.pad_idx).sum()) for _, y_val in val_loader)
print(f"훈련 레시피 {len(train_loader.dataset):,}개, 검증 레시피 {len(val_loader.dataset)}개, "
      f"검증 타깃 단어 {val_targets:,}개")
val_loss = evaluate_loss(model, val_loader, vocab.pad_idx)
lstm_perplexity = math.exp(val_loss)
print(f"검증 손실 {val_loss:.4f} 내트, 퍼플렉서티 {lstm_perplexity:.1f}")
assert math.isclose(val_loss, checkpoint["val_loss"], rel_tol=1e-5)  # 체크포인트에 기록된 값

# %% [markdown]
# ## 3.13 블로그 글의 평균: 배치 평균들의 평균
#
# 블로그 글의 `evaluate`는 대신 배치 손실들을 평균합니다(`val_loss / len(val_loader)`). 그러면 짧은
# 레시피들의 배치도 긴 레시피들의 배치와 같은 무게를 갖습니다. 로더는 길이가 비슷한 레시피끼리 묶으므로,
# 배치마다 타깃 단어가 139개에서 1,600개까지 들어 있습니다. 여기서는 단어가 적은 배치일수록 평균적으로
# 손실이 낮아서, 블로그 글의 수가 단어당 평균보다 낮게 나옵니다. 같은 모델인데 퍼플렉서티가 35.3이
# 아니라 33.9가 됩니다.

# %%
batch_losses, batch_words = [], []
with torch.no_grad():
    for x_val, y_val in val_loader:  # 블로그 글의 evaluate, 손실을 하나씩
        logits_val, _ = model(x_val)
        batch_losses.append(pad_loss(logits_val.view(-1, V), y_val.view(-1)).item())
        batch_words.append(int((y_val != vocab.pad_idx).sum()))

per_word = sum(loss * n for loss, n in zip(batch_losses, batch_words)) / sum(batch_words)
blog_style = sum(batch_losses) / len(batch_losses)
print(f"배치마다 타깃 단어 {min(batch_words)}~{max(batch_words):,}개")
print(f"타깃 단어에 대한 평균 (evaluate_loss): {per_word:.4f}, 퍼플렉서티 {math.exp(per_word):.1f}")
print(f"배치 평균들의 평균 (블로그 글):      {blog_style:.4f}, 퍼플렉서티 {math.exp(blog_style):.1f}")
assert math.isclose(per_word, val_loss, rel_tol=1e-5)

by_size = sorted(zip(batch_words, batch_losses))
half = len(by_size) // 2
print(f"단어가 가장 적은 배치 {half}개의 평균 손실: {sum(loss for _, loss in by_size[:half]) / half:.3f}; "
      f"나머지 {len(by_size) - half}개: {sum(loss for _, loss in by_size[half:]) / (len(by_size) - half):.3f}")

# %% [markdown]
# ## 3.14 훈련하는 동안 손실이 떨어진 모습
#
# 패키지는 사전 훈련된 모델의 훈련 기록(`metrics.json`: 에폭(epoch)마다 평균 훈련 손실과 검증 손실)을
# 함께 담고 있습니다. 검증 퍼플렉서티는 처음 몇 에폭 동안 빠르게 떨어지다가 평평해집니다. 에폭 9 이후에는
# 훈련 손실이 계속 떨어지는데도 검증 손실은 조금 올라갑니다. 모델이 새 레시피보다 훈련 레시피에 더 잘
# 맞기 시작한 것, 곧 **과적합(overfitting)**입니다. 훈련은 검증 손실이 3 에폭 동안 나아지지 않자
# 멈췄고, 체크포인트에는 가장 좋았던 에폭 9가 들어 있습니다.

# %%
history = pretrained_history("book")
for record in history:
    print(f"에폭 {record['epoch']:>2}: 훈련 손실 {record['train_loss']:.3f}, "
          f"검증 손실 {record['val_loss']:.3f}, 검증 퍼플렉서티 {record['val_perplexity']:.1f}")
best = min(history, key=lambda record: record["val_loss"])
assert best["epoch"] == checkpoint["epoch"] and math.isclose(best["val_loss"], val_loss, rel_tol=1e-4)

epochs = [record["epoch"] for record in history]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
left.plot(epochs, [record["train_loss"] for record in history], marker="o", label="훈련")
left.plot(epochs, [record["val_loss"] for record in history], marker="o", label="검증")
left.axvline(best["epoch"], color="gray", linestyle=":", label=f"남긴 것: 에폭 {best['epoch']}")
left.set(xlabel="에폭", ylabel="손실 (내트)", title="손실 = -log p의 평균")
left.legend()
right.plot(epochs, [record["val_perplexity"] for record in history], marker="o", color="C1")
right.set(xlabel="에폭", ylabel="검증 퍼플렉서티", title="퍼플렉서티 = exp(손실)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3.15 단어 하나하나
#
# 손실은 단어들에 대한 평균입니다. 검증 레시피 하나, 양고기 타진(lamb tagine)을 보면 그 평균이 어디서
# 오는지 알 수 있습니다. 앞 단어들로 정해지는 단어는 거의 비용이 들지 않습니다. `recipe` 다음의 `for`
# (0.002 내트), `1 1/2` 안의 `/`, "heat the oil in a dutch"의 `in`과 `a`가 그렇습니다. 가장 비싼 것은
# 요리 이름입니다. `prunes`(말린 자두)와 `tagine`이 각각 약 11 내트로(모델이 각각에 5만분의 1도 안 되는
# 확률을 주었습니다), 그다음이 `toasted`와 `lamb`입니다. 조리법 부분에서 가장 비싼 단어는 이름에서
# 예고되지 않은 `saffron`입니다. 이 레시피의 퍼플렉서티는 레시피 전체에 걸친 이 막대들의 평균에 `exp`를
# 취한 값입니다.

# %%
sequence = torch.tensor(val_loader.dataset[0])
with torch.no_grad():
    logits_one, _ = model(sequence[None, :-1])
surprise = nn.functional.cross_entropy(logits_one[0], sequence[1:], reduction="none")
torch.testing.assert_close(surprise.mean(), criterion(logits_one[0], sequence[1:]))

n_shown = 40
words = [vocab.idx2token[i] for i in sequence[1 : n_shown + 1].tolist()]
print(vocab.decode(sequence[: n_shown + 1]))
by_cost = sorted((round(cost, 3), word) for cost, word in zip(surprise[:n_shown].tolist(), words))
print("가장 싼 단어 (내트):  ", by_cost[:5])
print("가장 비싼 단어 (내트):", by_cost[-5:])
plt.figure(figsize=(12, 3.5))
plt.bar(range(n_shown), surprise[:n_shown])
plt.xticks(range(n_shown), words, rotation=90)
plt.ylabel("이 단어의 -log p (내트)")
plt.title(f"검증 레시피 하나, 단어별 손실 (이 레시피의 퍼플렉서티: {math.exp(surprise.mean()):.0f})")
plt.show()

# %% [markdown]
# ## 3.16 잣대: 손으로 센 유니그램 모델
#
# 35.3은 좋은 값일까요? Karpathy의 makemore가 신경망에 앞서 그렇게 하듯, 단어를 세기만 하는 모델들과
# 비교해 봅시다. 이 모델들은 LSTM과 같은 레시피로 훈련하고, LSTM과 같은 검증 타깃(각 레시피의 첫
# 단어를 뺀 모든 단어, `<EOS>` 포함)으로 채점합니다.
#
# 가장 단순한 것은 **유니그램(unigram)** 모델입니다. 문맥은 무시하고 모든 단어에 훈련 텍스트에서의 몫,
# `P(w) = count(w) / N`을 줍니다. 훈련에서 한 번도 보지 못한 단어는 확률이 0이 되어 손실이 무한대가
# 되므로, **add-one(라플라스) 스무딩**을 씁니다. 어휘의 모든 단어에 한 번씩 더 센 것으로 치는 것입니다:
# `P(w) = (count(w) + 1) / (N + V)`.

# %%
train_sequences, val_sequences = train_loader.dataset, val_loader.dataset
val_pairs = [(previous, word) for s in val_sequences for previous, word in zip(s[:-1], s[1:])]
assert len(val_pairs) == val_targets  # LSTM의 검증 손실과 같은 타깃

word_counts = Counter(word for s in train_sequences for word in s[1:])  # 모든 훈련 타깃
N = sum(word_counts.values())


def unigram_prob(previous, word):
    return (word_counts[word] + 1) / (N + V)  # add-one: 앞 단어는 무시합니다


def perplexity_of(prob):
    return math.exp(-sum(math.log(prob(previous, word)) for previous, word in val_pairs) / len(val_pairs))


assert math.isclose(sum(unigram_prob(None, w) for w in range(V)), 1)  # 어휘 위의 확률 분포
unigram_perplexity = perplexity_of(unigram_prob)
print(f"훈련 타깃 {N:,}개; 유니그램 (add-one) 퍼플렉서티: {unigram_perplexity:.1f}")
print("확률이 가장 높은 단어:", [(vocab.idx2token[w], round(unigram_prob(None, w), 3)) for w, _ in word_counts.most_common(5)])

# %% [markdown]
# ## 3.17 add-one 스무딩을 한 바이그램 모델
#
# **바이그램(bigram)** 모델은 문맥으로 단어 하나를 봅니다: `P(w | v) = count(v, w) / count(v)`, 곧 `v`
# 다음에 `w`가 온 횟수의 비율입니다. add-one 스무딩을 하면 `(count(v, w) + 1) / (count(v) + V)`입니다.
# makemore의 첫 모델인데, 여기서는 유니그램보다 못합니다. 문맥마다 8,203개의 횟수가 덧붙는데, 문맥으로
# 나온 단어 7,160개 가운데 4개를 빼고는 모두 그보다 적게 나왔으므로 스무딩이 센 횟수를 덮어 버립니다.
# 문맥으로 10번 나온 단어라면, 10번 모두 그 뒤를 따른 단어조차 확률의 11 / 8,213밖에 받지 못합니다.

# %%
pair_counts = Counter((previous, word) for s in train_sequences for previous, word in zip(s[:-1], s[1:]))
context_counts = Counter()
for (previous, _), count in pair_counts.items():
    context_counts[previous] += count


def bigram_add_one_prob(previous, word):
    return (pair_counts[(previous, word)] + 1) / (context_counts[previous] + V)


the = vocab.token2idx["the"]
assert math.isclose(sum(bigram_add_one_prob(the, w) for w in range(V)), 1)
bigram_add_one_perplexity = perplexity_of(bigram_add_one_prob)
print(f"바이그램 (add-one) 퍼플렉서티: {bigram_add_one_perplexity:.1f}  (유니그램: {unigram_perplexity:.1f})")
print(f"{V:,}번보다 적게 나온 문맥: {sum(c < V for c in context_counts.values()):,}개 "
      f"/ 전체 {len(context_counts):,}개")
unseen_share = sum(pair_counts[pair] == 0 for pair in val_pairs) / len(val_pairs)
print(f"훈련에서 한 번도 보지 못한 검증 쌍: {unseen_share:.1%}")

# %% [markdown]
# ## 3.18 크네저-나이 바이그램
#
# 더 나은 스무딩은 보지 못한 쌍마다 횟수를 더하는 대신, 본 쌍마다 조금씩 덜어 냅니다. 보간
# **크네저-나이(Kneser-Ney)**는 각 쌍의 횟수에서 고정된 할인 `D`(여기서는 약 0.7)를 빼고, 그렇게 생긴
# 몫을 **이어짐(continuation)** 확률에 따라 모든 단어에 나눠 줍니다. 이어짐 확률은 한 단어가 얼마나 자주
# 나오는지가 아니라, 서로 다른 몇 개의 단어 뒤에 나오는지를 봅니다(`least`는 훈련 텍스트에 흔하지만
# 언제나 `at` 뒤에만 나오므로, 어떤 문맥 뒤에 한 번도 오지 않은 단어들에게 남겨 둔 몫에서는 조금만
# 받습니다).
#
# `P(w | v) = max(count(v, w) - D, 0) / count(v) + D * followers(v) / count(v) * P_cont(w)`
#
# 여기서 `followers(v)`는 `v` 뒤에 나온 서로 다른 단어의 수이고, `P_cont(w)`는 서로 다른 쌍 가운데 `w`로
# 끝나는 쌍의 비율입니다(이것도 할인한 뒤 균등한 몫과 섞어서, 어떤 단어도 0을 받지 않게 합니다). 손으로
# 센 다음, 패키지의 `lstm_tutorial.baselines`와 맞춰 봅니다.

# %%
followers = Counter(previous for previous, _ in pair_counts)  # 각 단어 뒤에 온 서로 다른 단어
predecessors = Counter(word for _, word in pair_counts)  # 각 단어 앞에 온 서로 다른 단어
count_of_counts = Counter(pair_counts.values())
D = count_of_counts[1] / (count_of_counts[1] + 2 * count_of_counts[2])  # 한 번, 두 번 나온 쌍
n_types = len(pair_counts)


def continuation_prob(word):
    return max(predecessors[word] - D, 0) / n_types + D * len(predecessors) / n_types / V


def kneser_ney_prob(previous, word):
    if context_counts[previous] == 0:
        return continuation_prob(word)
    seen = max(pair_counts[(previous, word)] - D, 0) / context_counts[previous]
    return seen + D * followers[previous] / context_counts[previous] * continuation_prob(word)


assert math.isclose(sum(kneser_ney_prob(the, w) for w in range(V)), 1)
kneser_ney_perplexity = perplexity_of(kneser_ney_prob)
least = vocab.token2idx["least"]
print(f"'least': 훈련 타깃에 {word_counts[least]}번, 서로 다른 단어 {predecessors[least]}개 뒤에 나옴: "
      f"유니그램 비율 {word_counts[least] / N:.1e}, 이어짐 확률 {continuation_prob(least):.1e}")
print(f"할인 D = {D:.3f}; 크네저-나이 바이그램 퍼플렉서티: {kneser_ney_perplexity:.1f}")

# %%
from lstm_tutorial.baselines import KneserNeyBigram, UnigramModel, perplexity

package_unigram = perplexity(UnigramModel(train_sequences, V), val_sequences)
package_kneser_ney = perplexity(KneserNeyBigram(train_sequences, V), val_sequences)
print(f"패키지: 유니그램 {package_unigram:.1f}, 크네저-나이 바이그램 {package_kneser_ney:.1f}")
assert math.isclose(package_unigram, unigram_perplexity, rel_tol=1e-9)
assert math.isclose(package_kneser_ney, kneser_ney_perplexity, rel_tol=1e-9)

# %% [markdown]
# ## 3.19 "퍼플렉서티 35"의 뜻
#
# 모두 검증 레시피 654개의 같은 타깃 단어 79,667개에서 잰 값입니다. 세기만 해서는 문맥 단어 하나와 좋은
# 스무딩으로 59.4까지 갑니다. 지금까지의 레시피 전체를 읽는 LSTM은 35.3에 이릅니다. 가장 좋은 세기
# 모델이 평균적으로 59개 단어 사이에서 망설일 때 LSTM은 35개쯤 사이에서 망설이는 셈이고, 단어당 0.52
# 내트가 적습니다. 유니그램의 348은 문맥을 전혀 모를 때 치르는 값이고, add-one 바이그램의 371은
# 바이그램이 스무딩만큼만 좋다는 것을 보여 줍니다.

# %%
ladder = [
    ("어휘 전체에 균등", V),
    ("유니그램, add-one", unigram_perplexity),
    ("바이그램, add-one", bigram_add_one_perplexity),
    ("바이그램, 크네저-나이", kneser_ney_perplexity),
    ("사전 훈련된 LSTM", lstm_perplexity),
]
for name, value in ladder:
    print(f"퍼플렉서티 {value:>8,.1f}   손실 {math.log(value):.3f} 내트   {name}")
assert lstm_perplexity < kneser_ney_perplexity < unigram_perplexity < bigram_add_one_perplexity < V

plt.figure(figsize=(8, 3))
plt.barh([name for name, _ in ladder][::-1], [value for _, value in ladder][::-1])
for row, (_, value) in enumerate(ladder[::-1]):
    plt.text(value * 1.1, row, f"{value:,.1f}", va="center")
plt.xscale("log")
plt.xlim(1, 10**5)
plt.xlabel("검증 퍼플렉서티 (로그 눈금; 낮을수록 좋음)")
plt.show()

# %% [markdown]
# ## 요약
#
# - `logits[0, -1, :]`는 다음 단어에 대한 날것의 점수이고, `torch.softmax`가 이를 확률로 바꿉니다.
#   `draw`는 역 CDF로 단어를 고릅니다: 누적 합, 균등한 `u`, `searchsorted`(탐욕적 디코딩은 `argmax`를
#   고릅니다). 같은 시드를 주면 우리가 짠 루프도 패키지와 같은 단어를 씁니다.
# - 손실은 정답 단어의 `-log p`(내트 단위)이고, `[batch*seq, vocab]`과 `[batch*seq]`로 reshape한 뒤
#   배치의 모든 위치에 걸쳐 평균하며, 타깃이 `<PAD>`인 위치는 건너뜁니다(`ignore_index=0`).
#   `view`에는 연속 텐서가 필요합니다. 패키지의 배치는 연속이고, `reshape`는 어떤 텐서에서든 통합니다.
# - 퍼플렉서티 = `exp(손실)`: 훈련 전 모델은 어휘 크기쯤이고, 사전 훈련된 LSTM은 검증 레시피에서 35.3으로,
#   가장 좋은 세기 모델의 59.4보다 낮습니다.
#
# 노트북 4는 뽑기 전에 확률의 모양을 바꿉니다: 온도, top-k, top-p.

# %% [markdown]
# ## 연습 문제
#
# **1. 손실에서 퍼플렉서티를 손으로.** 체크포인트에는 검증 손실 3.5642 내트가 기록되어 있습니다.
# 퍼플렉서티는 얼마이고, 단어당 몇 비트일까요? 먼저 계산해 본 다음 셀을 실행하세요.
#
# <details><summary>풀이</summary>
#
# 퍼플렉서티는 `exp(3.5642) = 35.3`입니다. 비트로는 `3.5642 / ln 2 = 5.14` 비트/단어이고, `2 ** 5.14`도
# 다시 35.3입니다. 퍼플렉서티는 로그의 단위와 상관없습니다.
#
# </details>

# %%
loss = checkpoint["val_loss"]
bits = loss / math.log(2)
print(f"손실 {loss:.4f} 내트 -> 퍼플렉서티 {math.exp(loss):.1f}; 단어당 {bits:.2f} 비트 -> 2 ** bits = {2 ** bits:.1f}")
assert math.isclose(math.exp(loss), 2**bits)

# %% [markdown]
# **2. 예측한 다음 실행하기: 테스트 퍼플렉서티.** 어느 에폭을 남길지는 검증 분할이 골랐습니다(3.14절).
# `load_recipes("heldout")`에는 훈련에도 검증에도 쓰지 않은 위키북스(Wikibooks) 레시피 177개가 들어
# 있습니다. 이 보류(held-out) 레시피로 사전 훈련된 모델을 채점해 보세요(`lstm_tutorial.data`의
# `make_eval_loader`가 모델의 어휘로 인코딩하고, 모르는 단어는 `<UNK>`로 바꾸며, 훈련 때처럼 200단어에서
# 자릅니다. 평균은 `evaluate_loss`가 냅니다). 3.18절의 크네저-나이 바이그램도 채점해 보세요. 먼저
# 예측해 봅시다. 35.3보다 높을까요, 낮을까요? LSTM의 우위는 유지될까요?
#
# <details><summary>풀이</summary>
#
# 테스트 퍼플렉서티는 33.0으로 검증의 35.3보다 조금 낮습니다. 크네저-나이 바이그램도 마찬가지로 59.4에서
# 56.0으로 떨어집니다. 두 모델 모두 이 레시피들을 거의 같은 비율만큼 조금 더 쉽게 여기므로 LSTM의 우위는
# 그대로이고, 검증 분할로 에폭을 고른 덕에 부풀려진 몫은 작습니다. 타깃 단어 21,328개 가운데 181개(0.8%)가
# `<UNK>`입니다.
#
# </details>

# %%
from lstm_tutorial.data import make_eval_loader

heldout = load_recipes("heldout", verbose=False)
test_loader = make_eval_loader(heldout, vocab, config.max_len, config.batch_size)
test_sequences = test_loader.dataset
test_targets = sum(len(s) - 1 for s in test_sequences)
unknown = sum(word == vocab.unk_idx for s in test_sequences for word in s[1:])
test_perplexity = math.exp(evaluate_loss(model, test_loader, vocab.pad_idx))
kneser_ney_test = perplexity(KneserNeyBigram(train_sequences, V), test_sequences)
print(f"보류 레시피 {len(test_sequences)}개, 타깃 단어 {test_targets:,}개, <UNK> {unknown}개 ({unknown / test_targets:.1%})")
print(f"사전 훈련된 LSTM:     테스트 퍼플렉서티 {test_perplexity:.1f}  (검증 {lstm_perplexity:.1f})")
print(f"크네저-나이 바이그램: 테스트 퍼플렉서티 {kneser_ney_test:.1f}  (검증 {kneser_ney_perplexity:.1f})")
assert test_perplexity < kneser_ney_test

# %% [markdown]
# **3. 이것을 바꾸면 어떻게 될까요?** add-one 스무딩은 바이그램을 망쳤습니다. 더 적게 더해 봅시다. 1 대신
# `k = 0.01`로, `P(w | v) = (count(v, w) + k) / (count(v) + k V)`입니다. 퍼플렉서티가 유니그램보다
# 낮아질까요? 크네저-나이보다도 낮아질까요?
#
# <details><summary>풀이</summary>
#
# `k = 0.01`이면 바이그램의 퍼플렉서티는 약 83으로 떨어져 유니그램의 348보다 훨씬 낮지만, 크네저-나이의
# 59보다는 여전히 높습니다. `k`가 작으면 센 쌍들이 제 무게를 되찾지만, 보지 못한 쌍에 남긴 몫은 여전히
# 모든 단어에 고르게 나눕니다. 크네저-나이는 그 몫을 이어짐 확률에 따라 나눕니다.
#
# </details>

# %%
k = 0.01
add_k = perplexity_of(lambda previous, word: (pair_counts[(previous, word)] + k) / (context_counts[previous] + k * V))
print(f"바이그램, add-{k}: 퍼플렉서티 {add_k:.1f}")
assert kneser_ney_perplexity < add_k < unigram_perplexity

# %% [markdown]
# **4. 예측한 다음 실행하기.** `logits.transpose(1, 2).view(-1)`은 통할까요? `.reshape(-1)`은요?
#
# <details><summary>풀이</summary>
#
# `transpose`는 수를 하나도 옮기지 않고 두 스트라이드만 맞바꾸므로, 결과는 연속이 아니고 `view`는
# `RuntimeError`를 냅니다. `reshape`는 복사해서 통합니다.
#
# </details>

# %%
transposed = logits.transpose(1, 2)
print("연속:", transposed.is_contiguous(), " stride", logits.stride(), "->", transposed.stride())
try:
    transposed.view(-1)
except RuntimeError:
    print("view(-1)은 RuntimeError를 냅니다; reshape(-1)의 결과", tuple(transposed.reshape(-1).shape))
