# %% [markdown]
# # 5. 훈련
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/ko/05_training.ipynb)
#
# 이 노트북은 모델이 어떻게 배우는지를 다룹니다. 블로그 글의 훈련(training) 루프를 직접 작성해 새 모델을
# 훈련하고, 기울기 클리핑(gradient clipping)이 무엇이며 그것이 없으면 무엇이 잘못되는지 살펴봅니다. 이어서
# 패키지의 `Trainer`로 넘어가 체크포인트(checkpoint)(Colab에서는 Google Drive에 저장)와 이어서 훈련하기를
# 다루고, 우리가 훈련한 모델을 사전 훈련된 모델(pretrained model)과 비교합니다. 마지막 절에서는 블로그 글의
# 파이프라인을 그대로 실행해 두 가지 버그를 보이고, 각 단계가 이 노트북의 어디에 해당하는지 정리합니다.
#
# 2코어 CPU에서 이 노트북은 4~8분쯤 걸립니다. `LSTM_TUTORIAL_QUICK=1`을 설정하면(**빠른 모드**(quick
# mode)) 훈련을 덜 합니다. 작은 `quick` 프리셋(preset)을 훈련하고, 모든 곳에서 스텝 수를 줄입니다.

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

# %%
import itertools
import math

import matplotlib.pyplot as plt
from torch import nn
from tqdm.auto import tqdm

from lstm_tutorial import (
    LSTMLM,
    PRESETS,
    TrainConfig,
    Trainer,
    Vocab,
    blog,
    checkpoint_dir,
    load_checkpoint,
    load_generator,
    load_recipes,
    pretrained_generator,
    pretrained_model,
    set_language,
)
from lstm_tutorial.baselines import KneserNeyBigram, UnigramModel
from lstm_tutorial.baselines import perplexity as baseline_perplexity
from lstm_tutorial.course import course_preset, quick_mode
from lstm_tutorial.data import dataloaders_for
from lstm_tutorial.pretrained import pretrained_history as history_of
from lstm_tutorial.sampling import next_token_probs
from lstm_tutorial.training import evaluate_loss

set_language("ko")  # 패널과 차트를 한국어로 (한글 글꼴 포함)

# %% [markdown]
# ## 5.1 데이터: `(x, y)` 배치
#
# 훈련하려면 레시피(recipe)를 **배치(batch)**로 나눠야 합니다. 배치는 함께 처리하는 레시피 몇 개이며,
# `x`는 그 레시피들의 토큰 id `[batch, seq]`이고 `y`는 같은 id를 왼쪽으로 한 칸 민 것입니다. 그래서
# **타깃(target)** `y[t]`는 `x[t]` 다음에 오는 단어입니다(노트북 1). 레시피 중 무작위로 고른 5분의 1은
# **검증(validation)** 세트입니다. 모델은 이 레시피로 훈련하지 않으므로, 여기서 잰 손실은 모델이 처음 보는
# 레시피를 얼마나 잘 예측하는지 알려 줍니다. **에폭(epoch)** 하나는 훈련 배치 전체를 한 번 도는 것입니다.
#
# 설정은 `cpu` 프리셋(5.6절)의 것, 즉 사전 훈련된 모델의 설정을 씁니다. 레시피 3,271개 전부, 최대 10,000
# 단어의 어휘(vocabulary), 200 토큰에서 자른 레시피, 크기 8의 배치입니다.

# %%
texts = load_recipes(verbose=False)
cpu = PRESETS["cpu"]
vocab = Vocab.build(texts, cpu.vocab_size)
train_loader, val_loader = dataloaders_for(cpu, texts, vocab)
print(f"{len(texts):,}개의 레시피, 어휘 {len(vocab):,}단어 (말뭉치에 서로 다른 토큰이 이보다 많지 않음)")
print(f"훈련: 레시피 {len(train_loader.dataset):,}개 → 배치 {len(train_loader)}개, 배치 크기 {cpu.batch_size}")
print(f"검증: 레시피 {len(val_loader.dataset):,}개, 배치 {len(val_loader)}개")

x, y = next(iter(train_loader))
print("x:", tuple(x.shape), " y:", tuple(y.shape), "  [batch, seq]: 배치에서 가장 긴 레시피에 맞춰 패딩")
assert torch.equal(x[:, 1:], y[:, :-1])  # y는 x를 왼쪽으로 한 단어 민 것
assert vocab.idx2token == pretrained_model("book")[1].idx2token  # 사전 훈련된 모델의 어휘

# %% [markdown]
# ## 5.2 측정: 검증 손실
#
# **손실(loss)**은 타깃 단어들에 대한 $-\log p(\text{타깃})$의 평균이며, 단위는 **내트(nats)**입니다(노트북
# 3). 블로그 글의 `evaluate`는 드롭아웃(dropout)을 끄고(`model.eval()`), 기울기(gradient)를 위한 그래프를
# 만들지 않고(`torch.no_grad()`), 배치들의 손실을 평균합니다. 우리의 `evaluate_plain`도 같은 단계를 밟지만
# 타깃 단어 단위로 평균합니다. 실제 타깃 하나하나의 손실을 모두 더하고(`reduction="sum"`) 그 개수로
# 나누므로, 짧은 레시피로 이루어진 배치는 긴 레시피로 이루어진 배치보다 적게 반영됩니다(이것이 왜 중요한지는
# 5.12절에서 봅니다). `ignore_index=0`은 패딩(padding) `<PAD>`(id 0)를 제외합니다.
#
# 훈련하지 않은 모델은 확률을 $V$개 단어에 거의 고르게 나누므로, 손실이 대략 $-\log(1/V) = \log V$여야
# 합니다. 검증 배치 처음 10개면 이를 확인하기에 충분합니다.

# %%
def evaluate_plain(model, loader):
    """블로그 글의 evaluate를 타깃 단어 단위로 평균한 것: -log p(타깃)의 평균, 드롭아웃 없음, 기울기 없음."""
    criterion = nn.CrossEntropyLoss(ignore_index=vocab.pad_idx, reduction="sum")
    model.eval()  # 드롭아웃 끔
    total, count = 0.0, 0
    with torch.no_grad():  # backward용 그래프 없음: 메모리가 적게 들고 더 빠름
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits, _ = model(x)  # [batch, seq, vocab]
            total += criterion(logits.view(-1, logits.size(-1)), y.view(-1)).item()
            count += (y != vocab.pad_idx).sum().item()
    return total / count

torch.manual_seed(0)
model = LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128, dropout_rate=0.1).to(device)
untrained = evaluate_plain(model, itertools.islice(val_loader, 10))
print(f"훈련 전: 검증 배치 10개에서 손실 {untrained:.2f} 내트, log V = {math.log(len(vocab)):.2f}")
assert abs(untrained - math.log(len(vocab))) < 0.1

# %% [markdown]
# 학습이 아니라 세기(counting)로 얻는 기준점이 두 개 더 있습니다. **유니그램(unigram)** 모델은 모든 단어를
# 훈련 레시피에서의 빈도로 예측하고, **바이그램(bigram)** 모델은 바로 앞 단어로 예측합니다(크네저-나이
# (Kneser-Ney) 스무딩으로, 본 적 없는 단어 쌍에도 확률을 조금 줍니다). 검증 레시피에서 잰 두 모델의 손실과,
# 각 손실의 **퍼플렉서티(perplexity)** $e^{\text{손실}}$(노트북 3)입니다.

# %%
unigram = UnigramModel(train_loader.dataset, len(vocab))
bigram = KneserNeyBigram(train_loader.dataset, len(vocab))
reference = {"추측 (log V)": math.log(len(vocab)),
             "유니그램 (단어 빈도)": math.log(baseline_perplexity(unigram, val_loader.dataset)),
             "바이그램 (앞 단어)": math.log(baseline_perplexity(bigram, val_loader.dataset))}
for name, loss in reference.items():
    print(f"{name:27} 손실 {loss:.2f} 내트, 퍼플렉서티 {math.exp(loss):7,.1f}")

# %% [markdown]
# 유니그램의 손실보다 낮은 모델은 문맥을 쓰는 것이고, 바이그램의 손실보다 낮은 모델은 바로 앞 단어보다 많은
# 것을 쓰는 것입니다.
#
# ## 5.3 훈련 루프, 한 줄씩
#
# 스텝(step)마다 모든 가중치가 한 배치의 손실을 낮추는 방향으로 조금씩 움직입니다. 방향은 **기울기**가
# 알려 줍니다(가중치마다, 그 가중치가 커질 때 손실이 얼마나 빨리 커지는지). `loss.backward()`가 기울기를
# 계산해 각 파라미터의 `.grad`에 넣습니다. 그다음 **옵티마이저(optimizer)**가 **스텝**을 밟습니다. 블로그
# 글이 쓰는 Adam은 각 가중치를 기울기 반대 방향으로 대략 **학습률(learning rate)**만큼 옮깁니다. 여기서는
# `cpu` 프리셋의 $3 \times 10^{-3}$을 씁니다(블로그 글은 PyTorch 기본값 $10^{-3}$을 그대로 둡니다).
#
# 아래는 블로그 글의 `train` 루프에 단계 번호를 붙인 것입니다. 6단계 기울기 클리핑은 패키지가 더한
# 것이고(다음 절), 3단계의 reshape는 노트북 3에서 본 것입니다.

# %%
def train_plain(model, batches, optimizer, clip=1.0):
    """블로그 글의 train 루프에 클리핑을 더한 것; 스텝마다의 손실과 기울기 노름을 돌려준다."""
    criterion = nn.CrossEntropyLoss(ignore_index=vocab.pad_idx)  # 실제 타깃에 대한 -log p의 평균
    model.train()  # 드롭아웃 켬
    losses, norms = [], []
    for x, y in tqdm(batches, desc="훈련", leave=False):
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()  # 1. 지난 배치의 기울기를 지운다
        logits, _ = model(x)  # 2. 순전파: [batch, seq, vocab]
        loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))  # 3. reshape, 4. 손실
        loss.backward()  # 5. 역전파: 모든 p.grad
        norm = nn.utils.clip_grad_norm_(model.parameters(), clip or math.inf)  # 6. 클리핑 (inf: 클리핑 안 함)
        optimizer.step()  # 7. 스텝
        losses.append(loss.item())
        norms.append(norm.item())  # 클리핑 전의 노름
    return losses, norms

# %% [markdown]
# 5.2절의 훈련하지 않은 모델을 배치 120개(에폭의 약 3분의 1, 빠른 모드에서는 40개)로 훈련합니다. 훈련
# 손실은 드롭아웃을 켠 채, 지금 배우고 있는 배치에서 잰 값입니다. 공정한 숫자는 검증 배치 82개 전체에서
# 잰 **검증 손실**입니다.

# %% tags=["nbval-ignore-output"]
PLAIN_STEPS = 40 if quick_mode() else 120
batches = list(itertools.islice(train_loader, PLAIN_STEPS))
optimizer = torch.optim.Adam(model.parameters(), lr=cpu.learning_rate)
losses, norms = train_plain(model, batches, optimizer)
print(f"{len(batches)}스텝: 훈련 손실 {losses[0]:.2f} (첫 스텝) → {sum(losses[-10:]) / 10:.2f} "
      f"(마지막 10스텝 평균)")
val_plain = evaluate_plain(model, val_loader)
print(f"검증 손실 ({len(batches)}스텝 후): {val_plain:.3f} 내트, 퍼플렉서티 {math.exp(val_plain):.1f}")

# %% [markdown]
# 손실은 $\log V$에서 시작해 열두어 스텝 만에 6.5 내트 아래로 떨어지고, 그 뒤로는 천천히 내려갑니다. 여기
# 저장된 실행에서 검증 손실은 5.08로 끝납니다. 유니그램의 5.85보다는 낮지만(모델이 문맥을 씁니다) 아직
# 바이그램에는 못 미칩니다. 스텝마다 손실을 재는 배치가 다르기 때문에 곡선이 들쭉날쭉합니다. 오른쪽 패널,
# 즉 스텝마다 잰 기울기 전체의 크기는 다음 절에서 씁니다.

# %%
steps = range(1, len(losses) + 1)
fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(12, 3.6))
ax_loss.plot(steps, losses, label="그 스텝 배치의 손실")
ax_loss.axhline(reference["추측 (log V)"], color="gray", linestyle=":", label="추측 (log V)")
ax_loss.axhline(reference["유니그램 (단어 빈도)"], color="tab:purple", linestyle="--", label="유니그램")
ax_loss.set_xlabel("스텝")
ax_loss.set_ylabel("손실 (단어당 내트)")
ax_loss.set_title("블로그 글의 루프, Adam, 학습률 3e-3")
ax_loss.legend()
ax_norm.plot(steps, norms, color="tab:green", label="클리핑 전 기울기 노름 ||g||")
ax_norm.axhline(1.0, color="tab:red", linestyle="--", label="클리핑 임계값 c = 1")
ax_norm.set_xlabel("스텝")
ax_norm.set_ylabel("||g||")
ax_norm.set_title(f"{sum(n > 1 for n in norms)}개 스텝에서 ||g|| > 1 (전체 {len(norms)}스텝 중)")
ax_norm.legend()
plt.tight_layout()
plt.show()
assert sum(losses[-10:]) / 10 < math.log(len(vocab)) - 2  # 추측보다 2 내트 넘게 낮다

# %% [markdown]
# 패키지의 `evaluate_loss`는 `evaluate_plain`과 같은 숫자를 계산하며(더 빠른 방법입니다. 노트북 8(부록)
# `08_under_the_hood` 참고), 여기 배치 10개에서 두 값이 일치합니다.

# %%
some_batches = list(itertools.islice(val_loader, 10))
assert abs(evaluate_loss(model, some_batches, vocab.pad_idx) - evaluate_plain(model, some_batches)) < 1e-4
print("evaluate_plain과 패키지의 evaluate_loss가 일치합니다")

# %% [markdown]
# ## 5.4 기울기 클리핑: 공식
#
# 모든 파라미터의 기울기를 긴 벡터 하나 $g$에 모읍니다(여기서는 숫자 약 200만 개). 그 **노름(norm)**
# $\lVert g \rVert = \sqrt{\sum_i g_i^2}$이 벡터의 길이입니다. 임계값 $c$로 클리핑하면 $g$가 $c$보다 길 때는
# 줄이고, 그렇지 않으면 그대로 둡니다.
#
# $$g \leftarrow g \cdot \min\left(1, \frac{c}{\lVert g \rVert}\right)$$
#
# 방향은 그대로이고 길이만 상한이 생깁니다. `nn.utils.clip_grad_norm_`은 이 일을 제자리에서(in place) 하고,
# 클리핑 전의 $\lVert g \rVert$를 돌려줍니다. 새 모델의 첫 배치로 확인해 봅니다(이 모델의 기울기는 1보다
# 짧으므로 $c = 0.1$로 클리핑합니다). 손으로 계산한 공식이 `clip_grad_norm_`과 같은 결과를 냅니다.

# %%
torch.manual_seed(0)
probe = LSTMLM(len(vocab), 100, 128).to(device)
x, y = batches[0]
logits, _ = probe(x.to(device))
nn.functional.cross_entropy(logits.view(-1, len(vocab)), y.to(device).view(-1), ignore_index=vocab.pad_idx).backward()
g = torch.cat([p.grad.flatten() for p in probe.parameters()])
c = 0.1
by_hand = g * min(1.0, c / g.norm().item())
returned = nn.utils.clip_grad_norm_(probe.parameters(), c)
clipped = torch.cat([p.grad.flatten() for p in probe.parameters()])
print(f"{len(g):,}개의 기울기 숫자; ||g|| = {returned.item():.3f} (클리핑 전), {clipped.norm().item():.3f} (클리핑 후)")
print(f"클리핑 전후 g 사이의 코사인: {nn.functional.cosine_similarity(g, clipped, dim=0).item():.3f} (같은 방향)")
torch.testing.assert_close(returned, g.norm())
torch.testing.assert_close(clipped, by_hand, rtol=1e-4, atol=1e-9)

# %% [markdown]
# 5.3절에서 기울기 노름은 거의 모든 스텝에서 $c = 1$ 아래였습니다(오른쪽 그래프의 제목이 예외를 셉니다).
# Adam과 함께라면 클리핑은 안전망입니다. 클리핑이 어디서 중요한지는 다음 절에서 봅니다.

# %% [markdown]
# ## 5.5 클리핑이 없으면: 기울기 급등
#
# 기본 **SGD**(확률적 경사 하강법, stochastic gradient descent)는 학습률 $\eta$로
# $w \leftarrow w - \eta\, g$, 즉 기울기 자체만큼 스텝을 밟습니다. 기울기가 천 배 길면 스텝도 천 배
# 깁니다. 순환 신경망은 이따금 이런 급등을 일으킵니다(기울기가 여러 시간 스텝에 걸친 곱이기 때문입니다).
# 클리핑은 스텝의 길이를 $\eta c$로 제한합니다. SGD에는 큰 학습률이 필요합니다(PyTorch의 단어 언어 모델
# 예제는 $\eta = 20$을 쓰고 0.25에서 클리핑합니다). 여기서는 $\eta = 60$으로, 같은 모델을 같은 시드에서
# 같은 배치 30개로 훈련하되 한 번은 $c = 1$에서 클리핑하고 한 번은 클리핑하지 않습니다.

# %%
def sgd_run(clip, steps=30, learning_rate=60.0):
    torch.manual_seed(0)
    model = LSTMLM(len(vocab), 100, 128).to(device)
    return train_plain(model, batches[:steps], torch.optim.SGD(model.parameters(), lr=learning_rate), clip)

runs = {"c = 1에서 클리핑": sgd_run(clip=1.0), "클리핑 없음": sgd_run(clip=None)}

# %%
fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(12, 3.6))
for label, (run_losses, run_norms) in runs.items():
    steps = range(1, len(run_losses) + 1)
    ax_loss.plot(steps, run_losses, "o-", markersize=3, label=f"{label}: 최고 {max(run_losses):.0f}")
    ax_norm.plot(steps, run_norms, "o-", markersize=3, label=f"{label}: 최고 {max(run_norms):,.0f}")
ax_loss.axhline(reference["추측 (log V)"], color="gray", linestyle=":", label="추측 (log V)")
ax_norm.axhline(1.0, color="tab:red", linestyle="--", label="c = 1")
ax_loss.set_ylabel("손실 (단어당 내트)")
ax_norm.set_ylabel("클리핑 전 ||g||")
ax_norm.set_yscale("log")
ax_loss.set_title("SGD, 학습률 60: 손실")
ax_norm.set_title("기울기 노름 (로그 눈금)")
for ax in (ax_loss, ax_norm):
    ax.set_xlabel("스텝")
    ax.legend()
plt.tight_layout()
plt.show()
(clipped_losses, _), (unclipped_losses, unclipped_norms) = runs.values()
assert max(unclipped_norms) > 100 * 1.0  # c를 훨씬 넘는 급등
assert sum(clipped_losses[-10:]) < sum(unclipped_losses[-10:])  # 클리핑한 실행이 더 낮게 끝난다

# %% [markdown]
# 기울기가 1보다 짧은 동안에는 두 실행이 똑같습니다. 그러다 한 스텝이 손실이 추측보다 훨씬 높은 곳에
# 떨어지고, 기울기는 $c$보다 몇 배 길어집니다. 클리핑한 쪽은 스텝 하나의 길이가 많아야 $\eta c = 60$이어서
# 손실이 곧 추측 아래로 돌아옵니다. 클리핑하지 않은 쪽은 길이 $60 \times \lVert g \rVert$의 스텝이 가중치를
# 기울기가 더 큰 곳(1,000 이상)으로 내던지고, 30번째 스텝에서도 손실이 추측보다 훨씬 높습니다. 클리핑은 큰
# 기울기 하나가 엄청난 스텝 하나가 되는 것을 막아 줍니다.

# %% [markdown]
# ## 5.6 프리셋: 설정 한 벌에 붙인 이름
#
# **프리셋**은 이름이 붙은 `TrainConfig`로, 실행 하나의 모든 설정을 객체 하나에 담습니다.
#
# - `quick`: 처음 300개 레시피로 훈련하는 작은 모델, 1 에폭, CPU에서 몇 초. 빠른 모드가 이것을 훈련합니다.
# - `cpu`: 책의 모델(임베딩 100, 은닉 128), 크기 8의 배치, 학습률 $3 \times 10^{-3}$의 Adam, 최대 30
#   에폭에 **조기 종료(early stopping)**: 검증 손실이 `patience` = 3 에폭 동안 나아지지 않으면 실행을
#   멈추고 가장 좋았던 에폭을 남깁니다. 이 과정은 GPU에서도 이 프리셋을 훈련합니다.
# - `book`: 블로그 글과 책의 설정(크기 32의 배치, 학습률 $10^{-3}$의 Adam). 이 말뭉치에서는 `cpu`보다 나쁜
#   검증 퍼플렉서티로 끝납니다.
# - `stream`: 패키지의 기본값인 더 큰 모델(`pretrained_generator()`)로, 블로그 글의 모델이 아닙니다.

# %%
for name, preset in PRESETS.items():
    print(f"{name:6} 레시피 {preset.max_recipes or '전부':>4} | 어휘 <= {preset.vocab_size:,} | "
          f"임베딩 {preset.embedding_dim} | 은닉 {preset.hidden_dim} | 배치 {preset.batch_size:2} | "
          f"학습률 {preset.learning_rate:g} | 에폭 <= {preset.epochs:2} | patience {preset.patience} | "
          f"클리핑 {preset.clip_grad_norm}")

# %% [markdown]
# 사전 훈련된 `book` 모델은 정확히 `cpu` 프리셋으로 훈련한 것입니다. 에폭별 기록이 모델과 함께 들어
# 있습니다.

# %%
_, _, pretrained_checkpoint = pretrained_model("book")
pretrained_history = history_of("book")
best_epoch = min(pretrained_history, key=lambda record: record["val_loss"])["epoch"]
minutes = sum(record["seconds"] for record in pretrained_history) / 60
print("만든 명령:", pretrained_checkpoint["command"])
print(f"{len(pretrained_history)} 에폭 후 조기 종료; 가장 좋은 에폭 {best_epoch} "
      f"(검증 손실 {pretrained_checkpoint['val_loss']:.4f}, 퍼플렉서티 {math.exp(pretrained_checkpoint['val_loss']):.1f})")
print(f"훈련과 검증에 2코어 CPU로 {minutes:.1f}분이 걸렸습니다")
assert TrainConfig.from_dict(pretrained_checkpoint["config"]) == PRESETS["cpu"]
assert len(pretrained_history) - best_epoch == PRESETS["cpu"].patience

# %% [markdown]
# ## 5.7 패키지의 `Trainer`로 훈련하기
#
# `Trainer`는 5.3절의 루프를 에폭마다 실행하면서 검증, 샘플, **기록(history)**(에폭마다 레코드 하나),
# 체크포인트, 조기 종료, 이어서 훈련하기를 더합니다. 여기서는 2 에폭을 훈련합니다(`.updated(epochs=...)`는
# 필드 하나만 바꾼 프리셋의 복사본을 만듭니다). 지금 1 에폭, 그리고 충돌이 났다고 치고 나서 두 번째
# 에폭입니다(5.9절).
#
# **체크포인트**는 모델을 쓰거나 훈련을 이어 가는 데 필요한 모든 것을 담은 파일입니다.
# `checkpoint_dir()`가 저장할 폴더를 고릅니다. 여기서는 `./lstm_models`이고, Colab에서는 Google Drive를
# 마운트해(Colab이 권한을 묻습니다) `MyDrive/lstm_models`를 씁니다. Colab 런타임은 연결이 끊기면 파일을
# 잊어버리지만 Drive는 그렇지 않기 때문입니다.

# %% tags=["nbval-ignore-output"]
folder = checkpoint_dir()

# %% tags=["nbval-ignore-output"]
config = PRESETS[course_preset()].updated(epochs=1)
trainer = Trainer.from_config(config, out_dir=folder)
history = trainer.fit()

# %% [markdown]
# 에폭이 끝나면 걸린 시간, 훈련 손실과 검증 손실(`train loss`, `val loss`), 검증 퍼플렉서티, 속도, 그리고
# 온도(temperature) 1에서 "recipe for"로 시작한 샘플을 출력합니다. (`Precision` 줄은 패키지가 이 기계에서
# 어떻게 계산하는지 알려 줍니다. 노트북 8(부록) `08_under_the_hood`에서 설명합니다.)

# %% [markdown]
# ## 5.8 체크포인트
#
# 트레이너는 에폭마다 `last.pt`와 `metrics.json`(기록)을 쓰고, 검증 손실이 지금까지 가장 낮을 때마다
# `best.pt`를 씁니다. 체크포인트에는 평범한 데이터와 텐서만 들어 있으므로, `torch.load(weights_only=True)`는
# 파일 안의 어떤 코드도 실행하지 않고 이를 읽습니다.

# %%
for name in ["best.pt", "last.pt", "metrics.json"]:
    print(f"{name:13} 있음: {(folder / name).exists()}")
last = load_checkpoint(folder / "last.pt")
print("체크포인트에 든 것:", ", ".join(sorted(last)))
assert last["epoch"] == trainer.epoch == 1 and last["history"] == trainer.history

# %% [markdown]
# `load_generator`는 체크포인트에서 모델과 생성기를 다시 만듭니다. 방금 훈련한 모델과 다음 단어 확률이
# 정확히 같습니다.

# %%
loaded = load_generator(folder / "last.pt", device=device)
start = "recipe for chocolate chip cookies |"
torch.testing.assert_close(next_token_probs(loaded.prefill(start).next_logits),
                           next_token_probs(trainer.generator.prefill(start).next_logits))
print("last.pt가 훈련한 모델을 그대로 돌려줍니다: 다음 단어 확률이 같습니다")

# %% [markdown]
# ## 5.9 이어서 훈련하기
#
# Colab은 연결이 끊기곤 합니다. 세션이 바로 여기서 죽고 폴더만 남았다고 해 봅시다. `Trainer.resume`은
# `last.pt`(가중치, 옵티마이저의 이동 평균, 기록, 난수 생성기의 상태)에서 실행을 다시 세우고 이어 갑니다.
# `epochs=2`는 상한을 하나 올립니다. 이어서 훈련한 실행은 끊기지 않은 2 에폭 실행과 같은 배치, 같은 난수를
# 봅니다.

# %% tags=["nbval-ignore-output"]
del trainer  # 세션이 "죽는다"
trainer = Trainer.resume(folder / "last.pt", epochs=2)
history = trainer.fit()

# %%
assert [record["epoch"] for record in history] == [1, 2]
best = load_checkpoint(folder / "best.pt")
assert best["epoch"] == min(history, key=lambda record: record["val_loss"])["epoch"]
print("기록이 빈틈없이 이어집니다: 에폭", [record["epoch"] for record in history])
print("best.pt에는 검증 손실이 가장 낮은 에폭이 들어 있습니다")

# %% [markdown]
# ## 5.10 내 모델과 사전 훈련된 모델: 손실 곡선
#
# 프리셋, 시드, 분할, 배치가 모두 같으므로, 여러분의 처음 몇 에폭은 반올림 오차 안에서 사전 훈련된 실행을
# 그대로 되밟습니다. 여기 저장된 실행은 사전 훈련된 모델을 훈련한 것과 같은 2코어 CPU에서 돌렸고, 검증
# 손실이 0.004 내트 이내로 일치합니다(그래프 제목). 다른 하드웨어나 다른 `Precision`에서는 반올림이 달라
# 조금 더 벌어집니다. 2 에폭 뒤의 검증 손실은 바이그램과 비슷하고, 사전 훈련된 모델은 그보다 0.5 내트 낮게
# 끝납니다. 사전 훈련된 실행에서는 에폭 9 뒤로 훈련 손실은 계속 내려갔지만 검증 손실은 더 나아지지
# 않았습니다. 모델이 훈련 레시피를 외우기 시작한 것이고(**과적합(overfitting)**), 조기 종료가 에폭 9를
# 남겼습니다.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), sharey=True)
last_epoch = len(history)
mine, theirs = history[-1]["val_loss"], pretrained_history[last_epoch - 1]["val_loss"]
for ax, title, records in [
    (axes[0], f"사전 훈련된 모델: {len(pretrained_history)} 에폭, 검증 손실 {theirs:.4f}, 시점: 에폭 {last_epoch}",
     pretrained_history),
    (axes[1], f"내 실행 (프리셋 {course_preset()}): 검증 손실 {mine:.4f}, 시점: 에폭 {last_epoch}", history),
]:
    epochs = [record["epoch"] for record in records]
    ax.plot(epochs, [record["train_loss"] for record in records], "o-", label="훈련")
    ax.plot(epochs, [record["val_loss"] for record in records], "o-", label="검증")
    ax.set_title(title)
    ax.set_xlabel("에폭")
    ax.set_xlim(0.5, len(pretrained_history) + 0.5)
    ax.axhline(reference["바이그램 (앞 단어)"], color="tab:purple", linestyle="--", label="바이그램")
axes[0].axvline(best_epoch, color="gray", linestyle=":", label=f"가장 좋은 에폭 ({best_epoch})")
axes[0].set_ylabel("손실 (단어당 내트)")
for ax in axes:
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5.11 내 모델과 사전 훈련된 모델: 샘플
#
# 두 모델에 같은 프롬프트(prompt), 같은 온도(0.8), 같은 시드를 씁니다. (말뭉치에는 제목에 "chocolate chip"이
# 들어간 레시피가 21개 있습니다.) 먼저 사전 훈련된 모델, 그다음 2 에폭을 훈련한 여러분의 모델입니다.

# %%
prompt = "recipe for chocolate chip cookies |"
assert len([text for text in texts if "chocolate chip" in text.lower().split("|")[0]]) == 21
pretrained = pretrained_generator("book", device)
for seed in (0, 1):
    print(f"시드 {seed}:", pretrained.sample(prompt, max_tokens=40, temperature=0.8, seed=seed)[0], "\n")

# %% tags=["nbval-ignore-output"]
for seed in (0, 1):
    print(f"시드 {seed}:", trainer.generator.sample(prompt, max_tokens=40, temperature=0.8, seed=seed)[0], "\n")

# %% [markdown]
# 여기 저장된 실행에서 두 모델 모두 레시피다운 문장으로 시작하지만("preheat oven to 350°f (175°c)",
# "combine all ingredients and mix well") 다른 요리로 흘러갑니다(쿠키에 닭고기, 마늘, 햄). 사전 훈련된
# 모델의 문장은 대체로 문법에 맞고, 2 에폭 모델의 문장은 더 자주 어긋납니다("reduce heat to a boil",
# "until the middle is achieved"). 시드가 같으면 두 모델이 같은 난수를 받으므로, 두 모델이 다음 단어들의
# 순위를 비슷하게 매기는 곳에서는 같은 단어를 고릅니다. 시드 1의 두 텍스트는 똑같은 세 단어
# "preheat oven to"로 이어지다가 온도 표기에서 갈라집니다("350°f (175°c)"와 "175°c (400°f)").

# %% [markdown]
# ## 5.12 블로그 글의 파이프라인 전체: 실행하고 고치기
#
# 블로그 글은 함수 네 개로 훈련합니다. `initialize_model`은 모델, 손실 함수, 옵티마이저를 만들고,
# `train`은 한 에폭을 돌고, `evaluate`는 검증 손실을 재고, `run_training`은 Drive를 마운트한 뒤 에폭마다
# 루프를 돌며(훈련, 평가, 출력, 샘플) 마지막에 모델을 저장합니다. 아래는 이 함수들을 블로그 글의 이름과
# 단계 그대로, 우리 말로 다시 쓴 것입니다. `initialize_model`은 모델을 장치(device)에 올리고, 손실에서
# `<PAD>`(id 0)를 무시하며, PyTorch 기본 학습률의 Adam을 씁니다.

# %%
def initialize_model(vocab_size, embedding_dim, hidden_dim, dropout_rate=0.1):
    """블로그 글의 준비 단계: 장치에 올린 모델, <PAD>(id 0)를 건너뛰는 손실, Adam."""
    model = LSTMLM(vocab_size, embedding_dim, hidden_dim, dropout_rate).to(device)
    criterion = nn.CrossEntropyLoss(ignore_index=0)
    optimizer = torch.optim.Adam(model.parameters())  # 학습률 1e-3, PyTorch 기본값
    return model, criterion, optimizer

# %% [markdown]
# `train`은 5.3절의 루프에서 클리핑을 뺀 것으로, 배치마다의 손실을 더해 나갑니다. `evaluate`는 5.2절의
# 단계에 같은 합을 더한 것입니다. 둘 다 그 합을 배치 수로 나눕니다. 블로그 글의
# `return epoch_loss / len(train_loader)` 줄 그대로입니다.

# %%
def train(model, train_loader, criterion, optimizer, epoch, device):
    """블로그 글의 train: 한 에폭; 배치별 평균 손실들의 평균을 돌려준다."""
    model.train()
    epoch_loss = 0.0
    for x, y in tqdm(train_loader, desc=f"Epoch {epoch + 1}", leave=False):
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        logits, _ = model(x)
        loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    return epoch_loss / len(train_loader)


def evaluate(model, val_loader, criterion, device):
    """블로그 글의 evaluate: 드롭아웃 없음, 기울기 없음; 배치별 평균 손실들의 평균을 돌려준다."""
    model.eval()
    val_loss = 0.0
    with torch.no_grad():
        for x, y in val_loader:
            x, y = x.to(device), y.to(device)
            logits, _ = model(x)
            val_loss += criterion(logits.view(-1, logits.size(-1)), y.view(-1)).item()
    return val_loss / len(val_loader)

# %% [markdown]
# **버그 1: 배치 평균의 평균.** 두 함수를 `run_training`이 하듯이 실행하되 한 에폭 대신 배치 40개로
# 훈련하고, 그 모델과 사전 훈련된 모델(노트북 3에서처럼)을 블로그 글의 `evaluate`와 `evaluate_plain`으로
# 각각 잽니다.

# %%
torch.manual_seed(0)
model, criterion, optimizer = initialize_model(len(vocab), 100, 128)
train_loss = train(model, batches[:40], criterion, optimizer, epoch=0, device=device)
val_loss = evaluate(model, val_loader, criterion, device)
print(f"train의 반환값 {train_loss:.3f}, evaluate의 반환값 {val_loss:.4f}")
words = [int((y != vocab.pad_idx).sum()) for _, y in val_loader]
print(f"검증 배치 {len(words)}개에 든 타깃 단어는 {min(words)}개에서 {max(words):,}개까지")
per_word = {}
for name, measured in [("40스텝 후", model), ("사전 훈련된 book", pretrained.model)]:
    batch_mean, per_word[name] = evaluate(measured, val_loader, criterion, device), evaluate_plain(measured, val_loader)
    print(f"{name:16} 배치 평균의 평균 {batch_mean:.4f} (퍼플렉서티 {math.exp(batch_mean):4.1f}), "
          f"단어당 평균 {per_word[name]:.4f} (퍼플렉서티 {math.exp(per_word[name]):4.1f})")
    assert abs(batch_mean - per_word[name]) > 0.01

# %% [markdown]
# 두 평균은 다르고, 그 차이도 일정하지 않습니다. 새 모델에서는 배치 평균의 평균이 0.013 내트 높고, 사전
# 훈련된 모델에서는 0.041 낮습니다(퍼플렉서티 33.9, 실제 값은 35.3). 단어 139개짜리 배치가 1,600개짜리
# 배치와 똑같은 무게로 셈해지기 때문입니다. 퍼플렉서티는 단어당 평균으로 정의되며, `train`에도 같은 결함이
# 있습니다. 패키지의 `lstm_tutorial.blog`에는 블로그 글과 시그니처가 같은 네 함수가 고쳐진 채 들어
# 있습니다. 그 `train`(클리핑도 합니다)과 `evaluate`는 단어 단위로 평균하므로, `blog.evaluate`는
# `evaluate_plain`과 같은 숫자를 냅니다.

# %%
assert abs(blog.evaluate(model, val_loader, criterion, device) - per_word["40스텝 후"]) < 1e-4
print("blog.evaluate는 타깃 단어당 평균을 냅니다")

# %% [markdown]
# **버그 2: 루프가 끝난 뒤의 저장.** `run_training`은 마지막 에폭이 끝난 뒤 한 번만
# `best_lstm_model_epoch_N.pt`로 저장합니다. 이름은 "best"지만 그냥 마지막 에폭입니다. 게다가 저장하는
# 딕셔너리에 블로그 글이 어디서도 정의하지 않은 `vocab`이 들어 있어서, 모든 에폭을 마친 뒤 딕셔너리를
# 만드는 순간 아무것도 쓰기 전에 `NameError`가 납니다. 모델은 함수 안에만 있었으므로 실행 전체가
# 사라집니다. 우리 노트북에는 `vocab`이 있어서(5.1절) 버그가 가려지므로, 잠시 치워 두고 방금 훈련한
# 모델에 저장 단계의 복사본을 실행합니다.

# %%
def save_as_in_the_blog(model, optimizer, train_loss, val_loss, epoch, token2idx, idx2token, model_save_path):
    """블로그 글의 run_training 마지막 단계: 마지막 에폭 뒤에 한 번 저장."""
    filename = f"{model_save_path}/best_lstm_model_epoch_{epoch + 1}.pt"
    torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                "train_loss": train_loss, "val_loss": val_loss, "epoch": epoch, "vocab": vocab,
                "token2idx": token2idx, "idx2token": idx2token}, filename)
    print(f"모델 저장됨: {filename}")


our_vocab = vocab
del vocab  # 블로그 글처럼: 어디에도 `vocab`이 없다
try:
    save_as_in_the_blog(model, optimizer, train_loss, val_loss, 0, our_vocab.token2idx, our_vocab.idx2token, folder)
except NameError as error:
    print("NameError:", error)
finally:
    vocab = our_vocab
assert not (folder / "best_lstm_model_epoch_1.pt").exists()  # 아무것도 저장되지 않았다

# %% [markdown]
# 패키지의 `blog.run_training`은 블로그 글과 시그니처가 같고, 5.7~5.9절처럼 동작합니다.
# `initialize_model`로 모델을 만들고, `save_dir`를 주지 않으면 `checkpoint_dir()`(Colab에서는 Drive)에
# 저장하며, `Trainer`로 훈련합니다. `Trainer`는 손실과 샘플을 출력하고, 에폭마다 어휘까지 담은
# `last.pt`를(가장 좋은 에폭에서는 `best.pt`도) 씁니다. `quick` 프리셋의 데이터로 1 에폭 실행하되, 5.7절의
# 실행이 남아 있도록 별도 폴더에 저장합니다.

# %%
quick = PRESETS["quick"]
quick_texts = quick.recipes_used(texts)
quick_vocab = Vocab.build(quick_texts, quick.vocab_size)
quick_train, quick_val = dataloaders_for(quick, quick_texts, quick_vocab)
print(f"{len(quick_texts)}개의 레시피, {len(quick_vocab):,}단어; 훈련 배치 {len(quick_train)}개, 배치 크기 {quick.batch_size}")

# %% tags=["nbval-ignore-output"]
torch.manual_seed(0)
quick_model, quick_generator = blog.run_training(
    quick_train, quick_val, len(quick_vocab), quick.embedding_dim, quick.hidden_dim, 1,
    quick_vocab.idx2token, quick_vocab.token2idx, device, save_dir=folder / "run_training", config=quick)

# %%
saved = load_checkpoint(folder / "run_training" / "last.pt")
print("저장된 파일:", ", ".join(sorted(path.name for path in (folder / "run_training").iterdir())))
print(f"last.pt: 에폭 {saved['epoch']}, 어휘 {len(saved['vocab']):,} 토큰")
assert saved["vocab"] == quick_vocab.idx2token

# %% [markdown]
# 블로그 글의 파이프라인을 단계별로, 각 단계가 이 노트북과 패키지의 어디에 있는지 정리하면 다음과 같습니다.
#
# | 블로그 글 | 이 노트북 | 패키지 |
# |---|---|---|
# | `train_loader`, `val_loader` | 5.1 | `dataloaders_for` |
# | `initialize_model`: 모델을 장치로, `CrossEntropyLoss(ignore_index=0)`, Adam | 5.3, 5.12 | `blog.initialize_model` |
# | `train`: 기울기 초기화, 순전파, reshape, 손실, 역전파, 스텝 | 5.3 (`train_plain`, 클리핑 추가 5.4~5.5) | `blog.train` (단어당, 클리핑) |
# | `evaluate`: `eval()`, `no_grad()`, 배치 평균의 평균 | 5.2 (`evaluate_plain`, 단어당) | `blog.evaluate`, `evaluate_loss` |
# | `run_training`: Drive 마운트 | 5.7 `checkpoint_dir()` | `checkpoint_dir` |
# | 에폭 루프, 손실 출력("훈련 손실", "검증 손실"), 샘플 | 5.7 | `Trainer.fit` |
# | 루프 뒤 한 번 저장(`NameError` 발생) | 5.8: 에폭마다 `last.pt`, 가장 좋은 에폭에 `best.pt` | `blog.run_training`, `Trainer` |
# | (이어서 훈련하기 없음) | 5.9 | `Trainer.resume` |

# %% [markdown]
# ## 요약
#
# - 훈련 스텝 하나: 기울기 초기화, 순전파, reshape, 손실, 역전파, 클리핑, 스텝. 훈련하지 않은 모델은 약
#   $\log V$ 내트를 기록하고, 120스텝이면 5 가까이 내려갑니다.
# - 클리핑은 기울기의 길이가 많아야 $c$가 되도록 크기를 바꿉니다: $g \leftarrow g \cdot \min(1, c /
#   \lVert g \rVert)$. Adam에서는 거의 작동하지 않고, 높은 학습률의 SGD에서는 급등을 막습니다.
# - `Trainer`는 검증, 기록, 에폭마다 `last.pt`, 가장 좋은 에폭의 `best.pt`(Colab에서는 Drive에 저장), 조기
#   종료, `Trainer.resume`을 더합니다.
# - 사전 훈련된 `book` 모델은 `cpu` 프리셋의 실행입니다. 가장 좋은 에폭 9, 검증 퍼플렉서티 35.3.
# - 블로그 글의 `train`과 `evaluate`는 단어가 아니라 배치 평균을 평균하고, `run_training`은 저장할 때
#   `NameError`로 실행 전체를 잃습니다. `lstm_tutorial.blog`가 둘 다 고칩니다.

# %% [markdown]
# ## 연습 문제
#
# **1. 배치 하나에 과적합하기.** 긴 실행에 앞서, 모델과 루프가 애초에 배울 수 있는지 확인합니다. 새 모델을
# 배치 단 하나로 100스텝(빠른 모드에서는 50스텝) 거듭 훈련합니다. 드롭아웃은 끄고, Adam의 학습률은
# $10^{-2}$입니다. 손실이 얼마나 낮아질지 예측해 보세요.
#
# <details><summary>풀이</summary>
#
# 0에 가깝게 내려갑니다. 여기 저장된 실행에서는 9.02에서 0.12로 떨어집니다. 가중치는 200만 개인데 맞출
# 타깃은 1,599개뿐이어서, 모델이 레시피 8개를 거의 외워 버립니다. 여기서 손실이 내려가지 않는다면 모델,
# 손실, 루프 어딘가가 고장 난 것이고(빠진 `zero_grad`, 밀지 않은 타깃, 잘못된 reshape), 긴 실행은 그 고장을
# 가릴 뿐입니다.
#
# </details>

# %% tags=["nbval-ignore-output"]
OVERFIT_STEPS = 50 if quick_mode() else 100
torch.manual_seed(0)
one_batch_model = LSTMLM(len(vocab), 100, 128, dropout_rate=0.0).to(device)
one_batch = batches[0]
overfit_losses, _ = train_plain(one_batch_model, [one_batch] * OVERFIT_STEPS,
                                torch.optim.Adam(one_batch_model.parameters(), lr=1e-2))
print(f"배치 하나, 타깃 {int((one_batch[1] != vocab.pad_idx).sum())}개: 첫 스텝의 손실 {overfit_losses[0]:.2f}, "
      f"마지막 손실 {overfit_losses[-1]:.2f}, 총 스텝 {OVERFIT_STEPS}")

# %%
plt.semilogy(range(1, len(overfit_losses) + 1), overfit_losses)
plt.xlabel("스텝")
plt.ylabel("그 배치 하나의 손실 (로그 눈금)")
plt.title("배치 하나에 과적합하기: 루프가 배울 수 있다")
plt.show()
assert overfit_losses[-1] < overfit_losses[0] / 5

# %% [markdown]
# **2. 학습률 훑어보기.** 새 모델을 Adam의 학습률 $10^{-4}, 10^{-3}, 10^{-2}, 10^{-1}, 1$ 각각으로 같은
# 20스텝(빠른 모드에서는 10스텝) 훈련하고, 마지막 5스텝의 평균 손실을 로그 축의 학습률에 대해 그려 보세요.
# 곡선의 모양을 예측해 보세요.
#
# <details><summary>풀이</summary>
#
# 양 끝에서 높고 가운데에서 가장 낮습니다. 여기 저장된 실행에서 $10^{-4}$일 때는 가중치가 거의 움직이지
# 않아 손실이 약 $\log V$(9.00)에 머뭅니다. 가장 낮은 것은 $10^{-2}$(5.93)이고 $10^{-1}$(5.98)이 그에 가깝습니다.
# $1$에서는 스텝마다 가중치가 마구 흔들려 손실이 51.57로, 추측보다 훨씬 높게 끝납니다. 짧은 실행에서는
# 안정을 유지하는 가장 빠른 학습률이 유리하고, 긴 실행에서는 그보다 조금 낮은 쪽이 안전합니다(`cpu`
# 프리셋: $3 \times 10^{-3}$). 짧은 실행으로 훑어보는 것은 긴 실행 전에 범위를 찾는 값싼 방법입니다.
#
# </details>

# %% tags=["nbval-ignore-output"]
SWEEP_STEPS = 10 if quick_mode() else 20
final_loss = {}
for learning_rate in (1e-4, 1e-3, 1e-2, 1e-1, 1.0):
    torch.manual_seed(0)
    sweep_model = LSTMLM(len(vocab), 100, 128).to(device)
    sweep_losses, _ = train_plain(sweep_model, batches[:SWEEP_STEPS],
                                  torch.optim.Adam(sweep_model.parameters(), lr=learning_rate))
    final_loss[learning_rate] = sum(sweep_losses[-5:]) / 5
    print(f"학습률 {learning_rate:g}: 마지막 5스텝의 평균 손실 {final_loss[learning_rate]:.2f}")

# %%
plt.semilogx(list(final_loss), list(final_loss.values()), "o-")
plt.axhline(math.log(len(vocab)), color="gray", linestyle=":", label="추측 (log V)")
plt.xlabel("학습률 (로그 눈금)")
plt.ylabel("마지막 5스텝의 평균 손실")
plt.title(f"Adam, 같은 출발점에서 {SWEEP_STEPS}스텝")
plt.legend()
plt.show()

# %% [markdown]
# **3. 예측하고 실행하기.** 5.5절에서 클리핑은 높은 학습률의 SGD를 구해 냈습니다. Adam도 구해 낼까요? 새
# 모델을 학습률 0.1의 Adam으로 30스텝 훈련하되, $c = 1$에서 클리핑한 경우와 하지 않은 경우를 비교합니다.
# 두 손실 곡선이 많이 다를지 예측해 보세요.
#
# <details><summary>풀이</summary>
#
# 거의 다르지 않습니다. Adam은 각 가중치의 스텝을 그 가중치 기울기 크기의 이동 평균으로 나누므로, 기울기의
# 길이가 어떻든 스텝은 대략 학습률만큼입니다. 그래서 기울기를 줄여도 달라지는 것이 별로 없습니다. 여기
# 저장된 실행에서 기울기 노름이 1을 넘은 것은 30스텝 중 4~5스텝뿐이었고, 두 실행 모두 5번째 스텝 근처에서
# 추측보다 높이 튀었다가 비슷하게 회복해, 0.1 내트도 안 되는 차이로 끝납니다. 클리핑이 가장 중요한 것은
# 스텝이 기울기 곱하기 학습률인 기본 SGD입니다.
#
# </details>

# %%
for clip in (1.0, None):
    torch.manual_seed(0)
    adam_model = LSTMLM(len(vocab), 100, 128).to(device)
    run_losses, run_norms = train_plain(adam_model, batches[:30], torch.optim.Adam(adam_model.parameters(), lr=0.1), clip)
    plt.plot(range(1, 31), run_losses, "o-", markersize=3,
             label=f"클리핑 {clip}: 마지막 10스텝 평균 {sum(run_losses[-10:]) / 10:.2f}, "
                   f"||g|| > 1인 스텝 {sum(n > 1 for n in run_norms)}개")
plt.xlabel("스텝")
plt.ylabel("손실 (단어당 내트)")
plt.title("Adam, 학습률 0.1")
plt.legend()
plt.show()

# %% [markdown]
# **4. 이걸 바꾸면 어떻게 될까요?** 5.9절의 실행을 `hidden_dim=256`으로, 또는 다른 `batch_size`로 이어서
# 훈련해 보세요. `Trainer.resume`은 무엇을 하며, 왜 그럴까요?
#
# <details><summary>풀이</summary>
#
# 거부하면서, 어느 필드인지와 두 값을 알려 줍니다. 이어서 훈련하는 실행은 모델의 모양, 데이터, 분할을
# 건드리지 않는 것만 바꿀 수 있습니다. `last.pt`의 가중치는 `hidden_dim=128`의 모양이고, 배치 크기가 다르면
# 끊기지 않은 실행과 다른 배치가 만들어지기 때문입니다.
#
# </details>

# %%
try:
    Trainer.resume(folder / "last.pt", hidden_dim=256)
except ValueError as error:
    print("거부됨:", error)

# %% [markdown]
# **5. 이걸 바꾸면 어떻게 될까요?** 5.3절의 새 모델을 `dropout_rate`를 0.1 대신 0.3으로 해서, 같은
# 배치로 같은 시드에서 다시 훈련해 보세요(노트북 2: 드롭아웃은 훈련하는 동안 LSTM 출력의 그 비율만큼을
# 0으로 만듭니다). 훈련 손실과 검증 손실이 0.1일 때보다 낮을지 높을지 예측해 보세요.
#
# <details><summary>풀이</summary>
#
# 둘 다 조금 높습니다. 여기 저장된 실행에서 마지막 20스텝의 평균 훈련 손실은 0.3일 때 5.23, 0.1일 때
# 5.16이고, 검증 손실은 5.14와 5.11입니다(5.3절의 5.08과 다른 것은, 거기서는 섞인 배치를 뽑느라 시드와
# 훈련 사이에 난수를 썼기 때문에 드롭아웃 마스크가 다르기 때문입니다). 드롭아웃을 늘리면 스텝마다 잡음이 커져 학습이 느려집니다.
# 그 대가로 얻는 것은 과적합 감소인데, 에폭의 3분의 1을 지난 시점에는 아직 과적합이 없습니다(검증 손실이
# 훈련 손실보다 낮습니다). 드롭아웃이 도움이 될 수 있는 것은 전체 실행에서 사전 훈련된 실행의 검증 손실이
# 더 나아지지 않은 에폭 9 이후뿐입니다.
#
# </details>

# %% tags=["nbval-ignore-output"]
for rate in (0.1, 0.3):
    torch.manual_seed(0)
    dropout_model = LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128, dropout_rate=rate).to(device)
    run_losses, _ = train_plain(dropout_model, batches, torch.optim.Adam(dropout_model.parameters(), lr=cpu.learning_rate))
    print(f"드롭아웃 {rate}: 마지막 20스텝의 훈련 손실 {sum(run_losses[-20:]) / 20:.2f}, "
          f"검증 손실 {evaluate_plain(dropout_model, val_loader):.2f}")
