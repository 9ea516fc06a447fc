# %% [markdown]
# # 8. 내부 구현 들여다보기
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/ko/08_under_the_hood.ipynb)
#
# 호기심 많은 분들을 위한 부록입니다. 노트북 1~7에서 다루지 않은 공학적인 부분을 살펴봅니다. 패키지는
# 블로그 글의 모델과 그 계산을 그대로 유지하지만, 몇몇 단계는 다른 방식으로 계산합니다. 텍스트를 생성할
# 때는 글을 매번 처음부터 다시 읽는 대신 LSTM의 상태를 이어 가고, 손실(loss)은 한 조각씩 나누어 계산하며,
# 하드웨어가 빠르게 처리하는 곳에서는 행렬 곱을 16비트 부동소수점으로 수행하고, 체크포인트(checkpoint)는
# 불러올 때 스스로 이상이 없는지 확인합니다. 각 절은 이 중 하나를 다룹니다. 먼저 블로그 글의 코드와 같은
# 결과를 내는지 확인하고, 그다음 그 방식으로 무엇을 얻는지 보여 줍니다.
#
# 이 노트북은 시간을 잽니다. 시간은 컴퓨터에 따라, 그리고 그 컴퓨터가 동시에 하고 있는 다른 일에 따라
# 달라집니다. 본문에 인용한 수치는 이 노트북과 함께 저장된 실행 결과로, 2코어
# CPU에서 얻은 것입니다. 여러분의 결과는 다를 것이며, 초 단위의 값보다 비율이 덜 달라집니다.

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
# 생성(8.1절)은 한 번에 단어 하나를 쓰는 작은 작업이므로 CPU에서 실행합니다. 8.2절과 8.3절의 훈련(training)
# 배치(batch)는 실제 훈련이 실행될 장치인 `device`에서 실행합니다. 책(*Generative Deep Learning* 2판)의
# 크기를 따른 사전 훈련된 모델(the pretrained model)과, 그 모델을 훈련한 말뭉치(corpus)를 사용합니다.

# %%
import itertools
import shutil
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
from torch import nn

from lstm_tutorial import (
    LSTMLM,
    PRESETS,
    TrainConfig,
    Trainer,
    load_checkpoint,
    load_recipes,
    pretrained_model,
    set_language,
    validation_loader,
)
from lstm_tutorial.checkpoints import save_checkpoint, weights_checksum
from lstm_tutorial.data import dataloaders_for
from lstm_tutorial.devices import resolve_precision
from lstm_tutorial.model import LOSS_CHUNK_ROWS, ChunkedCrossEntropy
from lstm_tutorial.pretrained import pretrained_path
from lstm_tutorial.recipes import corpus_fingerprint
from lstm_tutorial.sampling import draw
from lstm_tutorial.training import evaluate_loss, forward_backward

model, vocab, checkpoint = pretrained_model("book", "cpu")  # 평가 모드: 드롭아웃 없음
texts = load_recipes(verbose=False)
print(f"단어 {len(vocab):,}개, 임베딩 크기 {model.embedding.embedding_dim}, 은닉 크기 {model.lstm.hidden_size}")
set_language("ko")  # 패널과 차트를 한국어로 (한글 글꼴 포함)

# %% [markdown]
# ## 8.1 빠른 생성 스텝
#
# 블로그 글의 `generate`는 새 단어를 하나 만들 때마다 지금까지의 텍스트 전체를 텐서로 바꾸고
# (`x = torch.tensor([tokens], dtype=torch.long)`), 그 텐서에 모델을 실행한 뒤 마지막 위치의 점수
# `logits[0, -1, :]`만 남깁니다. LSTM은 매번 텍스트를 첫 단어부터 다시 읽고, 출력층은 마지막 위치만 쓰는데도
# 모든 위치의 점수(로짓(logits))를 계산합니다. n번째 단어에는 LSTM 스텝이 n번 들기 때문에, 텍스트 하나에
# 드는 스텝 수는 길이의 제곱에 비례해 늘어납니다.
#
# 텍스트를 읽은 뒤의 상태 `(h, c)`, 즉 은닉 상태(hidden state)와 셀 상태(cell state)는 LSTM이 그 텍스트에
# 대해 아는 전부입니다(노트북 2). 그래서 패키지의 `TextGenerator`는 두 단계로 일합니다. 먼저
# **prefill**(미리 채우기)은 프롬프트(prompt) 전체에 모델을 한 번 실행해, 마지막 단어 뒤의 상태와 다음
# 단어의 점수를 보관합니다. 그다음부터 새 단어 하나는 **`model.step`** 한 번입니다. 단어와 이어 온 상태를
# 넣으면 다음 점수와 새 상태가 나옵니다(층마다 `torch.lstm_cell` 한 번, 그리고 한 위치에 대한 출력층).
# LSTM 스텝 수를 세어 보겠습니다.

# %%
def lstm_steps_blog(prompt_length: int, n_words: int) -> int:
    return sum(prompt_length + k for k in range(n_words))  # k번째 단어는 프롬프트와 단어 k개를 다시 읽는다


def lstm_steps_carried(prompt_length: int, n_words: int) -> int:
    return prompt_length + n_words  # 프롬프트를 한 번, 그다음 단어마다 한 스텝


for n_words in [100, 300, 1000]:
    print(f"{n_words:>5}단어 (4단어 프롬프트 뒤): 블로그 글 {lstm_steps_blog(4, n_words):>8,} LSTM 스텝, "
          f"상태 이어 가기 {lstm_steps_carried(4, n_words):>5,}")

# %% [markdown]
# 두 루프를 파이썬 제너레이터로 작성합니다. 각 제너레이터는 단어를 하나 만들 때마다 그 단어를 뽑은 분포와
# 단어를 내놓습니다(`yield`). 둘 다 노트북 3에서 배운 역-CDF 뽑기인 `draw`로, 시드를 고정한
# `torch.Generator`에서 단어를 뽑습니다. 따라서 두 루프는 같은 난수를 같은 순서로 씁니다.

# %%
@torch.no_grad()
def blog_words(model: LSTMLM, prompt_ids: list[int], sampler: torch.Generator):
    """블로그 글의 루프: 새 단어마다 지금까지의 토큰을 모두 다시 읽는다."""
    tokens = list(prompt_ids)
    while True:
        logits, _ = model(torch.tensor([tokens], dtype=torch.long))
        probs = torch.softmax(logits[0, -1, :], dim=0)
        tokens.append(int(draw(probs, sampler)))
        yield probs, tokens[-1]


@torch.no_grad()
def carried_words(model: LSTMLM, prompt_ids: list[int], sampler: torch.Generator):
    """prefill 한 번, 그다음 이어 온 상태에서 단어마다 model.step 한 번."""
    logits, hidden = model(torch.tensor([prompt_ids], dtype=torch.long))  # prefill: 프롬프트를 한 번만
    next_logits = logits[0, -1]
    while True:
        probs = torch.softmax(next_logits, dim=0)
        word = draw(probs, sampler)  # id 하나를 담은 텐서
        yield probs, int(word)
        step_logits, hidden = model.step(word, hidden)  # [1, vocab]과 새 상태
        next_logits = step_logits[0]


prompt_ids = vocab.encode("recipe for banana bread")
print("프롬프트 id:", prompt_ids)

# %% [markdown]
# 확인: 같은 시드로 두 방식에서 각각 100단어를 씁니다. 모든 분포가 일치하고(float32 반올림 오차 범위에서
# 일치합니다. 시퀀스 전체에 대한 `nn.LSTM`과 한 스텝씩 실행하는 `lstm_cell`은 덧셈 순서가 다르기
# 때문입니다), 그러니 모든 단어도 일치합니다.

# %%
blog = blog_words(model, prompt_ids, torch.Generator().manual_seed(0))
carried = carried_words(model, prompt_ids, torch.Generator().manual_seed(0))
words = []
for (blog_probs, blog_word), (carried_probs, carried_word) in itertools.islice(zip(blog, carried), 100):
    torch.testing.assert_close(carried_probs, blog_probs)
    assert carried_word == blog_word
    words.append(carried_word)
print("100단어, 두 방식 모두 같은 분포와 같은 단어:")
print(vocab.decode(prompt_ids + words))

# %% [markdown]
# 이제 시간을 재 봅니다. 두 방식으로 각각 300단어를 쓰면서(두 루프는 `<EOS>`에서 멈추지 않으므로 둘 다
# 정확히 300단어를 씁니다) 단어마다 시계를 읽습니다. 이 셀은 몇 초 걸립니다(컴퓨터가 바쁘면 더 걸립니다).

# %% tags=["nbval-ignore-output"]
def seconds_after_each_word(words, n_words: int) -> list[float]:
    """단어 제너레이터 ``words``를 ``n_words``단어만큼 실행해, 단어마다 그때까지 걸린 시간을 돌려준다."""
    start, elapsed = time.perf_counter(), []
    for _ in itertools.islice(words, n_words):
        elapsed.append(time.perf_counter() - start)
    return elapsed


N_WORDS = 300
blog_seconds = seconds_after_each_word(blog_words(model, prompt_ids, torch.Generator().manual_seed(0)), N_WORDS)
carried_seconds = seconds_after_each_word(carried_words(model, prompt_ids, torch.Generator().manual_seed(0)),
                                          N_WORDS)
print(f"{N_WORDS}단어: 블로그 글의 루프 {blog_seconds[-1]:.2f} s, 상태 이어 가기 {carried_seconds[-1]:.2f} s "
      f"({blog_seconds[-1] / carried_seconds[-1]:.0f}배 빠름)")
for n in (100, 200, 300):
    print(f"  {n}번째 단어: 블로그 {(blog_seconds[n - 1] - blog_seconds[n - 11]) / 10 * 1000:5.1f} ms, "
          f"이어 가기 {(carried_seconds[n - 1] - carried_seconds[n - 11]) / 10 * 1000:4.2f} ms (10단어 평균)")

plt.plot(range(1, N_WORDS + 1), blog_seconds, label="블로그 글: 단어마다 전부 다시 읽기")
plt.plot(range(1, N_WORDS + 1), carried_seconds, label="상태 이어 가기: prefill 후 단어마다 한 스텝")
plt.xlabel("생성한 단어 수")
plt.ylabel("누적 시간 (초)")
plt.title("길이에 따른 생성 시간")
plt.legend()
plt.show()

# %% [markdown]
# 블로그 글의 루프에서는 단어 하나를 만드는 비용이 직전 단어보다 커집니다. 한 단어를 더 다시 읽기
# 때문입니다. 여기 저장된 실행에서는 100번째 단어 근처에서 단어당 5.7 ms, 300번째 단어 근처에서
# 19.9 ms가 걸렸고, 누적 시간 곡선은 위로 휩니다. 상태를 이어 가면 단어마다 비용이 거의 같고(이 실행에서
# 0.2 ms 남짓) 누적 시간은 직선으로 늘어납니다. 300단어에 0.07 s 대 3.08 s, 44배 차이입니다. 같은 컴퓨터에서
# 다른 프로그램들이 아무 때나 두 루프를 느리게 만들기 때문에 초 단위 값은 실행마다 달라집니다(300단어에서
# 두 방식의 비율이 대략 30배에서 80배까지 나오는 것을 보았습니다). 하지만 두 곡선의 모양은 달라지지 않습니다.
#
# 이어 가는 단어 하나에는 무엇이 남아 있을까요? 순수한 계산만 보면 행렬 곱 두 개입니다. LSTM 스텝
# (`[1, 100+128] @ [228, 512]`, 네 게이트(gate)를 한꺼번에)과 출력층(`[1, 128] @ [128, 8203]`)입니다. 두 곱의
# 곱셈-덧셈 횟수를 세어 봅니다.

# %%
lstm_multiply_adds = 4 * model.lstm.hidden_size * (model.embedding.embedding_dim + model.lstm.hidden_size)
output_multiply_adds = model.lstm.hidden_size * len(vocab)
share = output_multiply_adds / (lstm_multiply_adds + output_multiply_adds)
print(f"단어 하나: LSTM 스텝 곱셈-덧셈 {lstm_multiply_adds:,}번, 출력층 {output_multiply_adds:,}번 ({share:.0%})")
assert share > 0.85

# %% [markdown]
# 출력층이 계산의 10분의 9를 차지합니다. 아래 셀은 이어 가는 단어 하나 전체(소프트맥스(softmax), 뽑기,
# `model.step`), `model.step`만, 그리고 순수한 `torch.lstm_cell`과 출력층의 곱을 각각 잽니다. 각각 200번
# 호출하기를 여러 차례 반복해 가장 빠른 값을 씁니다.

# %% tags=["nbval-ignore-output"]
def fastest_microseconds(action, repeats: int = 200, rounds: int = 5) -> float:
    """``action``을 ``repeats``번 호출하기를 ``rounds``차례 반복해, 가장 빠른 차례의 호출당 시간(µs)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            action()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best * 1e6


with torch.no_grad():
    word = torch.tensor([vocab.token2idx["bread"]])
    _, state = model(torch.tensor([prompt_ids]))
    x, h, c = model.embedding(word), state[0][0], state[1][0]
    lstm, weight_t = model.lstm, model.fc.weight.t().contiguous()
    words_source = carried_words(model, prompt_ids, torch.Generator().manual_seed(0))
    timings = {
        "단어 하나 전체 (소프트맥스, 뽑기, model.step)": fastest_microseconds(lambda: next(words_source)),
        "model.step": fastest_microseconds(lambda: model.step(word, state)),
        "lstm_cell + 출력층 곱, 계산만": fastest_microseconds(lambda: torch.addmm(
            model.fc.bias, torch.lstm_cell(x, (h, c), lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0,
                                           lstm.bias_hh_l0)[0], weight_t)),
    }
for name, microseconds in timings.items():
    print(f"{name:42} {microseconds:6.0f} µs")

# %% [markdown]
# 여기 저장된 실행에서 단어 하나 전체는 359 µs, `model.step`은 239 µs, 그 순수한 계산은 198 µs가
# 걸렸습니다. `model.step`은 두 곱보다 20%쯤 더 듭니다(임베딩(embedding) 조회, 층에 대한 루프, 새 상태
# 쌓기). 나머지는 8,203개 단어에 대한 소프트맥스와 뽑기가 더합니다. 이어 가는 단어 하나의 비용은 그 계산
# 자체의 비용에 가깝습니다. 블로그 글의 루프가 느렸던 것은 계산을 얼마나 많이 했느냐 때문이지, 어떻게
# 했느냐 때문이 아닙니다.
#
# ## 8.2 나누어 계산하는 손실
#
# 블로그 글의 훈련 스텝은 패딩(padding)을 포함해 배치의 모든 위치에 대한 점수를 `[batch, seq, vocab]`
# 텐서 하나로 계산하고, 이를 펼쳐 손실 함수에 넘깁니다.
#
# ```python
# loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
# ```
#
# 역전파를 위해 파이토치는 이 텐서를 보관하고, 그 기울기(gradient)를 담을 같은 크기의 텐서를 하나 더
# 만듭니다. 패키지의 모델은 손실을 직접 계산합니다. `model.loss_sum(x, y, pad_idx)`가 그 함수이고, 패키지의
# 훈련 스텝인 `forward_backward`가 그 결과를 타깃(target) 수로 나누어 역전파합니다.
#
# 1. LSTM을 한 번 실행하고(`model.features`), 타깃이 `<PAD>`가 아니라 실제 단어인 행만 남깁니다.
# 2. 그 행들에 대해 출력층과 교차 엔트로피(cross-entropy)를 `LOSS_CHUNK_ROWS`(256)행씩 계산하고, 그와 함께
#    그 조각(chunk)이 맡은 기울기도 계산합니다. 점수에 대한 교차 엔트로피의 기울기는
#    `softmax - one_hot(target)`이므로, 조각의 소프트맥스가 나오는 즉시 기울기도 준비됩니다
#    (`lstm_tutorial/model.py`의 `ChunkedCrossEntropy`). 그런 다음 그 조각은 버립니다.
# 3. `backward()`는 조각들이 모아 둔 기울기를 가지고 LSTM을 한 번 거슬러 올라갑니다.
#
# 먼저, 건너뛸 패딩이 얼마나 될까요? 사전 훈련된 모델의 배치(레시피 8개, 200토큰에서 자름)를 그 모델의
# 설정(config)으로 만듭니다.

# %%
config = TrainConfig.from_dict(checkpoint["config"])
train_loader, val_loader = dataloaders_for(config, texts, vocab)
positions = real = 0
for _, y in train_loader:
    positions += y.numel()
    real += int((y != vocab.pad_idx).sum())
recipes = len(train_loader.dataset)
print(f"훈련 레시피 {recipes:,}개, 배치 {len(train_loader)}개 (배치 크기 {config.batch_size})")
print(f"패딩: 패키지 배치에서 위치의 {1 - real / positions:.1%}")
print(f"책처럼 모든 레시피를 {config.max_len}토큰까지 패딩한다면 패딩은: "
      f"{1 - real / (recipes * config.max_len):.0%}")

# %% [markdown]
# 패키지의 로더는 이미 길이가 비슷한 레시피끼리 모으고, 배치마다 그 배치에서 가장 긴 레시피까지만 패딩합니다
# (노트북 1). 그래서 여기서는 패딩을 건너뛰어 아끼는 것이 적습니다. 책처럼 200토큰까지 패딩한다면 출력층
# 작업의 39%가 `<PAD>`에 쓰였을 것입니다.
#
# 더 큰 이득은 메모리입니다. 200토큰짜리 레시피 8개로 꽉 찬 배치 하나를 보겠습니다.

# %%
def megabytes(rows: int, columns: int, bytes_per_number: int = 4) -> float:
    return rows * columns * bytes_per_number / 1e6


full_batch_rows = config.batch_size * config.max_len
print(f"배치 전체의 점수 [{full_batch_rows:,}, {len(vocab):,}]: {megabytes(full_batch_rows, len(vocab)):.1f} MB, "
      f"그 기울기에도 같은 만큼")
print(f"조각 하나의 점수 [{LOSS_CHUNK_ROWS}, {len(vocab):,}]: {megabytes(LOSS_CHUNK_ROWS, len(vocab)):.1f} MB")
print(f"책의 배치 크기 32라면: 점수만 {megabytes(32 * config.max_len, len(vocab)):.0f} MB")

# %% [markdown]
# 확인: 배치 하나와 훈련 모드(드롭아웃(dropout) 켜짐)의 새 모델로, 같은 드롭아웃 마스크를 써서(각 계산 전에
# 같은 시드를 설정합니다) float32의 `forward_backward`가 블로그 글과 같은 손실, 그리고 모든 파라미터에 대해
# 블로그 글과 같은 기울기를 내는지 봅니다.

# %%
def blog_step(model: LSTMLM, x: torch.Tensor, y: torch.Tensor) -> float:
    """블로그 글의 코드: 모든 위치의 점수를 펼쳐 패딩을 뺀 교차 엔트로피를 구하고 역전파한다."""
    criterion = nn.CrossEntropyLoss(ignore_index=vocab.pad_idx)
    logits, _ = model(x.to(device))
    loss = criterion(logits.view(-1, logits.size(-1)), y.to(device).view(-1))
    loss.backward()
    return loss.item()


batches = list(itertools.islice(train_loader, 3))
x, y = batches[0]
torch.manual_seed(0)
fresh = LSTMLM.from_config(config, len(vocab)).to(device)  # 새 모델은 훈련 모드
torch.manual_seed(1)
blog_loss = blog_step(fresh, x, y)
blog_grads = [p.grad.clone() for p in fresh.parameters()]
fresh.zero_grad()
torch.manual_seed(1)
fast_loss, n_targets, _ = forward_backward(fresh, x, y, vocab.pad_idx)
print(f"배치 {tuple(x.shape)}: 손실 {blog_loss:.5f} (블로그 글의 코드), {fast_loss:.5f} (forward_backward, "
      f"타깃 {n_targets}개)")
assert abs(fast_loss - blog_loss) < 1e-5 * blog_loss
for p, blog_grad in zip(fresh.parameters(), blog_grads):
    torch.testing.assert_close(p.grad, blog_grad, rtol=1e-4, atol=1e-7)
print("기울기도 같습니다. 파라미터 텐서", len(blog_grads), "개 모두")

# %% [markdown]
# 조각 크기는 작업을 자르는 방식을 바꿀 뿐, 결과는 바꾸지 않습니다. `ChunkedCrossEntropy`는 실제 타깃에 대한
# LSTM의 특징(features)에 직접 호출할 수 있고, 조각당 행 수도 마음대로 정할 수 있습니다.

# %%
@torch.no_grad()
def real_rows(model: LSTMLM, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """드롭아웃 없이 구한 LSTM의 특징 [실제 타깃 수, hidden]과 그 타깃들: loss_sum의 첫 단계."""
    model.eval()
    features, _ = model.features(x.to(device))
    model.train()
    targets = y.to(device).reshape(-1)
    real = targets != vocab.pad_idx
    return features.reshape(-1, features.size(-1))[real], targets[real]


features, targets = real_rows(fresh, x, y)
mean_losses = {}
for chunk_rows in [32, 256, 1024, len(targets)]:
    loss = ChunkedCrossEntropy.apply(features, fresh.fc.weight, fresh.fc.bias, targets, None, chunk_rows, False)
    mean_losses[chunk_rows] = loss.item() / len(targets)
    print(f"조각당 {chunk_rows:5}행: 평균 손실 {mean_losses[chunk_rows]:.5f}")
assert max(mean_losses.values()) - min(mean_losses.values()) < 1e-5

# %% [markdown]
# ## 8.3 혼합 정밀도
#
# float32 수는 지수 8비트와 가수 23비트로 이루어집니다. **bfloat16**은 지수 8비트를 그대로 두어 표현 범위가
# 같고, 가수는 7비트뿐이라 유효 숫자가 약 3자리입니다. **float16**은 가수가 더 길지만(10비트) 지수가
# 5비트여서, 65,504보다 큰 수는 넘치고 작은 기울기는 0으로 반올림됩니다(float16으로 훈련하려면 기울기
# 스케일러(gradient scaler)가 필요합니다).

# %%
for dtype in (torch.float32, torch.bfloat16, torch.float16):
    info = torch.finfo(dtype)
    print(f"{str(dtype):15} 최댓값 {info.max:9.3g}  최소 정규수 {info.tiny:9.3g}  1 다음 수와의 간격: {info.eps:.3g}  "
          f"1/3 -> {torch.tensor(1 / 3, dtype=dtype).item():.10f}")

# %% [markdown]
# 비트 수를 절반으로 줄이면 메모리에서 옮기는 양이 절반이 되고, bfloat16 연산 장치가 있는 하드웨어(최신 GPU,
# AVX-512 BF16이나 AMX를 갖춘 CPU)는 이런 행렬을 훨씬 빠르게 곱합니다. 하지만 모든 계산에 쓰기에는 반올림이
# 너무 거칠기 때문에, 패키지는 두 형식을 섞어 씁니다. 이것이 혼합 정밀도(mixed precision)입니다. **행렬 곱**
# (LSTM의 곱과 출력층의 곱)은 16비트 형식으로 실행하고, **가중치**, 옵티마이저(optimizer), 소프트맥스,
# **손실**, 기울기의 합은 float32로 유지합니다. 설정 하나가 이를 정합니다. `TrainConfig.precision`은 `auto`,
# `float32`, `bfloat16`, `float16` 중 하나이고, `resolve_precision(setting, device)`가 이 설정을 행렬 곱에 쓸
# dtype으로 바꿉니다(None은 float32를 뜻합니다). `auto`는 하드웨어가 지원하면 bfloat16을, 오래된 GPU에서는
# float16을, 그 밖에는 float32를 고릅니다. **검증(validation)은 항상 float32로** 하므로, 검증 손실은 컴퓨터와
# 실행이 달라도 서로 비교할 수 있습니다.

# %%
for setting in ("float32", "bfloat16", "float16"):
    try:
        print(f"{setting:9} CPU에서 -> {resolve_precision(setting, 'cpu')}")
    except ValueError as error:
        print(f"{setting:9} CPU에서 -> 거부: {error}")

# %% [markdown]
# 확인: 사전 훈련된 모델의 처음 10개 검증 배치에 대한 평균 손실을, 행렬 곱을 bfloat16으로 한 경우와
# float32로 한 경우에 각각 구합니다. 두 값은 1000분의 1 내트(nats) 안에서 일치합니다. 그리고 bfloat16으로
# 훈련 스텝을 한 번 한 뒤에도 가중치와 그 기울기는 여전히 float32입니다.

# %%
val_batches = list(itertools.islice(val_loader, 10))


def mean_loss(model: LSTMLM, batches, dtype: torch.dtype | None) -> float:
    total, count = 0.0, 0
    with torch.no_grad():
        for x, y in batches:
            loss_sum, n_targets, _ = model.loss_sum(x, y, vocab.pad_idx, dtype)
            total, count = total + loss_sum.item(), count + n_targets
    return total / count


trained, _, _ = pretrained_model("book", device)
loss_float32 = mean_loss(trained, val_batches, None)
loss_bfloat16 = mean_loss(trained, val_batches, torch.bfloat16)
print(f"float32 {loss_float32:.4f}, bfloat16 {loss_bfloat16:.4f} 내트 (차이 {abs(loss_bfloat16 - loss_float32):.4f})")
assert abs(loss_bfloat16 - loss_float32) < 0.01
assert evaluate_loss(trained, val_batches, vocab.pad_idx) == loss_float32  # 평가는 항상 float32

fresh.zero_grad()
forward_backward(fresh, x, y, vocab.pad_idx, dtype=torch.bfloat16)
print("bfloat16 스텝 뒤의 가중치와 기울기:", {p.dtype for p in fresh.parameters()},
      {p.grad.dtype for p in fresh.parameters()})

# %% [markdown]
# 이번에는 `device`에서 훈련 배치 하나(순전파와 역전파)에 걸리는 시간을 처음 3개 훈련 배치로 잽니다. float32로
# 실행한 블로그 글의 코드, float32로 실행한 `forward_backward`, 그리고 여기서 `auto`가 float32가 아닌
# 정밀도를 고른다면 그 정밀도로 실행한 `forward_backward`입니다. 셋은 번갈아 실행되고 각각 4번의 실행 중
# 가장 빠른 값을 남기므로, 컴퓨터가 다른 일로 바쁜 순간의 영향이 줄어듭니다.

# %% tags=["nbval-ignore-output"]
def seconds_per_batch(step, timed=batches) -> float:
    start = time.perf_counter()
    for x, y in timed:
        fresh.zero_grad()
        step(x, y)
    return (time.perf_counter() - start) / len(timed)


fast_dtype = resolve_precision("auto", device)
print(f"이 {device.type}에서 auto: {fast_dtype or 'float32'}")
steps_to_time = {"블로그 글의 코드, float32": lambda x, y: blog_step(fresh, x, y),
                 "forward_backward, float32": lambda x, y: forward_backward(fresh, x, y, vocab.pad_idx)}
if fast_dtype is not None:
    steps_to_time[f"forward_backward, {str(fast_dtype).removeprefix('torch.')}"] = (
        lambda x, y: forward_backward(fresh, x, y, vocab.pad_idx, dtype=fast_dtype))
fastest = {name: float("inf") for name in steps_to_time}
for _ in range(4):
    for name, step in steps_to_time.items():
        fastest[name] = min(fastest[name], seconds_per_batch(step))
baseline = fastest["블로그 글의 코드, float32"]
for name, seconds in fastest.items():
    print(f"{name:30} 배치당 {seconds * 1000:6.0f} ms (블로그 글 시간의 {seconds / baseline:.2f})")

# %% [markdown]
# 이 출력을 만든 2코어 CPU(bfloat16을 하드웨어로 지원하는 AMD EPYC)에서 `forward_backward`는 배치당 블로그
# 글 시간의 0.68배(float32)와 0.41배(bfloat16)가 걸렸습니다. 셀을 다시 실행하면 비율은 조금씩 달라지지만
# 순서는 그대로입니다. 패딩이 이렇게 적으니 float32에서 얻는 이득은 건너뛴 작업에서 오는
# 것이 아닙니다. 같은 계산을 50 MB가 넘는 텐서 대신 8 MB짜리 조각으로 나누어 하는 데서 옵니다(연습 문제 2에서
# 조각 크기를 바꿔 봅니다). 가장 크게 얻는 것은 bfloat16입니다. GPU는 사정이 다릅니다. GPU에서는 조각마다
# 커널 실행 비용이 들기 때문에 조각 하나가 최대 8,192행, 즉 배치 전체를 담습니다. `auto`는 최신 GPU에서는
# bfloat16을, Colab의 T4 같은 오래된 GPU에서는 기울기 스케일러와 함께 float16을 고릅니다. `Trainer`는 자신이
# 고른 정밀도를 첫 줄에 출력합니다.
#
# ## 8.4 체크포인트: 체크섬과 지문
#
# 체크포인트(노트북 5)는 일반 데이터와 텐서를 담은 dict로, `torch.save`로 저장합니다. 그중 세 항목 덕분에
# 패키지는 무언가 잘못되었을 때 잘못된 것을 가지고 계속 진행하는 대신 그 사실을 알아챕니다.
#
# - `weights_sha256`: 모든 가중치(이름, dtype, 모양, 바이트)의 SHA-256 체크섬입니다. `save_checkpoint`가
#   추가하고 `load_checkpoint`가 확인합니다.
# - `corpus_fingerprint`: 훈련에 쓴 레시피(recipe)들을 순서까지 정확히 가리키는 16자리 16진수입니다.
# - `val_split_sha256`: 검증 레시피 토큰 id의 SHA-256입니다. 이것으로 `validation_loader`는 모델을 검증했던
#   바로 그 분할을 다시 만들었는지 알 수 있습니다.
#
# 그리고 모든 파일은 임시 이름으로 쓴 다음 이름을 바꿉니다. 이 모두를 보기 위해 체크포인트를 직접 하나
# 만듭니다. `quick` 프리셋(preset)(처음 300개 레시피로 훈련하는 작은 모델)을 CPU에서 float32로 한 에폭(epoch)
# 훈련해 임시 폴더에 저장합니다. 몇 초 걸립니다.

# %% tags=["nbval-ignore-output"]
work = Path(tempfile.mkdtemp())  # 이 절의 파일들을 둘 임시 폴더
quick = PRESETS["quick"].updated(epochs=1, precision="float32")
trainer = Trainer.from_config(quick, device="cpu", out_dir=work / "run", progress=False)
history = trainer.fit()


# %%
def shown(error: Exception) -> str:
    """오류 메시지의 첫 문장만, 임시 폴더 이름은 빼고."""
    return str(error).replace(f"{work}{os.sep}", "").split(". ")[0]


last = load_checkpoint(work / "run" / "last.pt")
print("파일:", sorted(path.name for path in (work / "run").iterdir()))
print("last.pt의 항목:", ", ".join(sorted(last)))
assert weights_checksum(last["model_state_dict"]) == last["weights_sha256"]
print("weights_sha256은 16진수 64자리이며 가중치와 일치합니다:", len(last["weights_sha256"]))

# %% [markdown]
# ### 체크섬
#
# 파일은 옮기는 도중에 손상될 수 있습니다. 중간에 끊긴 Google Drive 복사, 불량 디스크, 도중에 멈춘 다운로드
# 같은 경우입니다. 사전 훈련된 `book.pt`의 복사본을 만들고(패키지의 `pretrained/` 폴더에는 절대 쓰지 말고,
# 여기서처럼 복사본으로 실험하세요) 가중치가 들어 있는 파일 한가운데 바이트의 비트 하나를 뒤집습니다.
# `torch.load`는 아무 불평 없이 이 파일을 읽습니다. 가중치 하나가 살짝 다른 수로 바뀌었을 뿐이기 때문입니다.
# `load_checkpoint`는 체크섬을 다시 계산하고, 한 줄의 메시지로 거부합니다. 절반에서 잘린 `last.pt` 복사본도
# 가중치를 하나도 읽기 전에 거부됩니다.

# %%
original = pretrained_path("book").read_bytes()
flipped = bytearray(original)
flipped[len(original) // 2] ^= 1
(work / "book_flipped.pt").write_bytes(bytes(flipped))
last_bytes = (work / "run" / "last.pt").read_bytes()
(work / "last_half.pt").write_bytes(last_bytes[: len(last_bytes) // 2])

book = load_checkpoint(pretrained_path("book"))  # 패키지의 파일을 읽기만 하는 것은 괜찮다
damaged = torch.load(work / "book_flipped.pt", weights_only=True)
for name, tensor in damaged["model_state_dict"].items():
    differs = tensor != book["model_state_dict"][name]
    if differs.any():
        print(f"torch.load는 복사본을 읽습니다. {name}에서 바뀐 수 {int(differs.sum())}개: "
              f"{book['model_state_dict'][name][differs].item():.9f} -> {tensor[differs].item():.9f}")
for name in ("book_flipped.pt", "last_half.pt"):
    try:
        load_checkpoint(work / name)
    except ValueError as error:
        print("load_checkpoint:", shown(error))

# %% [markdown]
# ### 말뭉치 지문
#
# `corpus_fingerprint(texts)`는 레시피들을 순서대로 이어 붙인 것의 SHA-256 중 앞 16자리 16진수입니다. 우리
# 실행은 처음 300개 레시피로 훈련했습니다(`max_recipes=300`). 레시피를 하나라도 추가하거나, 빼거나, 고치거나,
# 순서를 바꾸면 다른 지문이 나옵니다. `Trainer.resume`은 주어진 레시피의 지문을 이 값과 비교해, 다른
# 레시피라면 거부합니다(연습 문제 3).

# %%
used = quick.recipes_used(texts)
print("기록된 지문:       ", last["corpus_fingerprint"])
print("처음 300개 레시피: ", corpus_fingerprint(used))
print("레시피 하나 수정:  ", corpus_fingerprint([used[0] + " Serve warm."] + used[1:]))
print("두 레시피 맞바꿈:  ", corpus_fingerprint([used[1], used[0]] + used[2:]))
assert corpus_fingerprint(used) == last["corpus_fingerprint"]

# %% [markdown]
# ### 검증 분할의 체크섬
#
# 체크포인트는 검증 레시피를 저장하지 않습니다. `validation_loader(checkpoint)`는 체크포인트의 설정(말뭉치,
# `max_recipes`, `val_fraction`, 시드)과 어휘(vocabulary)로 검증 레시피를 다시 만든 다음, 그 토큰 id의
# SHA-256을 `val_split_sha256`과 비교합니다. 검증 손실은 같은 레시피에서 잰 것끼리만 비교할 수 있으므로,
# 분할이 다르면 다른 숫자를 내놓는 대신 오류를 냅니다.

# %%
val_loader_again = validation_loader(last)
print(f"다시 만든 검증 레시피 {len(val_loader_again.dataset)}개, 기록된 분할과 같음 "
      f"({last['val_split_sha256'][:16]}...)")
later_recipe_changed = used + [texts[300] + " Serve warm."] + texts[301:]
print("처음 300개 뒤의 레시피 하나를 고치면: 같은 분할, 레시피",
      len(validation_loader(last, texts=later_recipe_changed).dataset), "개")
for name, other in [("뒤집은 말뭉치", texts[::-1]), ("Wikibooks 레시피", load_recipes("wikibooks",
                                                                                         verbose=False))]:
    try:
        validation_loader(last, texts=other)
    except ValueError as error:
        print(f"{name}: {error}")

# %% [markdown]
# ### 원자적 쓰기
#
# `torch.save(checkpoint, path)`는 `path`를 열어 내용을 비운 다음 씁니다. 쓰는 도중에 멈추면(오류, 가득 찬
# 디스크, 저장 중에 끊긴 Colab 연결) 이전 파일은 사라지고 새 파일은 미완성으로 남습니다. `save_checkpoint`는
# 같은 폴더의 임시 파일(`.last.pt.XXXX.tmp`)에 쓰고, 다 쓴 뒤에야 그 이름을 `last.pt`로 바꿉니다. 같은 폴더
# 안에서의 이름 바꾸기는 완전히 되거나 전혀 안 되거나 둘 중 하나입니다. 차이를 보기 위해 저장이 중간에
# 실패하도록 만듭니다. `torch.save`가 쓸 수 없는 값(함수)을 가중치 뒤에 넣습니다.

# %%
unsavable = {**last, "history": lambda: None}
for name, save in [("torch.save", torch.save), ("save_checkpoint", save_checkpoint)]:
    shutil.copy(work / "run" / "last.pt", work / f"{name}.pt")
    try:
        save(unsavable, work / f"{name}.pt")
    except Exception as error:
        print(f"{name}: 저장 실패 ({type(error).__name__})")
    try:
        print(f"  {name}.pt는 여전히 불러올 수 있습니다: 에폭 {load_checkpoint(work / f'{name}.pt')['epoch']}")
    except ValueError as error:
        print(f"  {name}.pt는 더 이상 불러올 수 없습니다: {shown(error)}")
print("폴더에 남은 파일:", sorted(path.name for path in work.iterdir() if path.is_file()))

# %% [markdown]
# ## 요약
#
# - **생성**: 프롬프트를 한 번 prefill한 다음, 이어 온 상태에서 단어마다 `model.step`을 한 번 실행합니다.
#   블로그 글의 루프와 같은 분포를 내고, 같은 시드라면 같은 단어를 씁니다. 시간은 길이의 제곱이 아니라
#   직선으로 늘어납니다.
# - **손실**: `model.loss_sum`은 패딩을 건너뛰고, 출력층과 교차 엔트로피를 기울기와 함께 256행씩 계산합니다.
#   그래서 `[rows, vocab]` 크기의 점수 전체가 한꺼번에 메모리에 있는 일이 없습니다. 손실과 기울기는 블로그
#   글과 같습니다.
# - **정밀도**: 하드웨어가 지원하면 행렬 곱은 bfloat16으로 하고(`TrainConfig.precision`,
#   `resolve_precision`), 가중치와 손실은 float32로, 검증은 항상 float32로 합니다. 손실은 1000분의 1 내트도
#   달라지지 않습니다.
# - **체크포인트**: `weights_sha256`은 손상된 파일을, `corpus_fingerprint`와 `val_split_sha256`은 다른
#   레시피와 다른 분할을 잡아냅니다. 원자적 쓰기는 반쯤 쓰인 파일을 남기지 않습니다.

# %% [markdown]
# ## 연습 문제
#
# **1. 다른 길이의 생성.** 8.1절에서는 300단어의 시간을 쟀습니다. 150단어와 600단어일 때 블로그 글의 루프와
# 상태를 이어 가는 루프에 걸릴 시간을 예측한 다음, `seconds_after_each_word`로 재 보세요.
#
# <details><summary>풀이</summary>
#
# 블로그 글의 누적 시간은 길이의 제곱으로 늘어납니다. 150단어는 300단어 시간의 약 4분의 1이 걸려야 하는데,
# 단어마다 늘지 않는 고정 비용(소프트맥스, 뽑기, 파이썬)이 있으므로 그보다 조금 더 걸리고, 600단어는 약 4배가
# 걸려야 합니다. 상태를 이어 가는 루프는 직선으로 늘어나므로 절반과 두 배입니다. 여기 저장된 실행에서 블로그
# 글의 루프는 300단어 시간의 0.29배와 4.06배, 상태 이어 가기는 0.77배와 2.55배가 걸렸습니다. 블로그 글은
# 예측대로이고, 상태 이어 가기는 예측보다 조금 높게 나왔습니다. 0.05~0.2초짜리 측정은 다른 프로그램이
# 바쁜 순간 하나에도 크게 흔들립니다. 셀을 몇 번 다시 실행해 값이 얼마나 흩어지는지 보세요.
#
# </details>

# %% tags=["nbval-ignore-output"]
total_seconds = {}
for n_words in (150, 300, 600):
    total_seconds[n_words] = [
        seconds_after_each_word(words(model, prompt_ids, torch.Generator().manual_seed(0)), n_words)[-1]
        for words in (blog_words, carried_words)]
for n_words, (blog_time, carried_time) in total_seconds.items():
    print(f"{n_words}단어: 블로그 {blog_time:5.2f} s (300단어 시간의 {blog_time / total_seconds[300][0]:.2f}), "
          f"이어 가기 {carried_time:.3f} s ({carried_time / total_seconds[300][1]:.2f})")

# %% [markdown]
# **2. 조각 크기.** CPU에서 `LOSS_CHUNK_ROWS`는 256입니다. 레시피 32개짜리 배치(책의 배치 크기)의 특징에
# 대해, 기울기까지 계산하는(`with_grads=True`) `ChunkedCrossEntropy`의 시간을 조각당 16행부터 4,096행까지,
# 그리고 배치 전체를 한 조각으로 했을 때 재 보세요. 어디서부터 시간이 더 줄지 않나요?
#
# <details><summary>풀이</summary>
#
# 여기 저장된 실행에서는 조각당 16행이 886 ms, 64행이 509 ms, 256행이 477 ms, 1,024행이 540 ms,
# 4,096행이 605 ms, 배치 전체(4,335행)를 한 조각으로 했을 때 627 ms였습니다. 아주 작은 조각은 느립니다.
# 조각마다 파이썬과 여러 작은 연산의 비용을 치러야 하고, 16행짜리 곱으로는 프로세서를 제대로 바쁘게 만들지
# 못합니다. 64행쯤부터는 시간이 더 줄지 않습니다. 그 위의 크기들 사이의 차이는 실행마다 달라지는 잡음
# 수준이고, 배치 전체를 한 조각으로 하면 조금 더 느려집니다. 256행은 이 평평한 구간에 있으면서 점수가 8 MB에 그치는
# 크기이고, 이 크기는 배치가 아무리 커져도 그대로입니다. 배치 전체를 한 조각으로 하면 점수만 142 MB입니다.
#
# </details>

# %% tags=["nbval-ignore-output"]
book_loader, _ = dataloaders_for(config.updated(batch_size=32), texts, vocab)
features, targets = real_rows(fresh, *next(iter(book_loader)))
chunk_sizes = [16, 64, 256, 1024, 4096, len(targets)]
chunk_milliseconds = {chunk_rows: float("inf") for chunk_rows in chunk_sizes}
for _ in range(3):  # 크기를 번갈아 가며 재고, 크기마다 가장 빠른 값을 남긴다
    for chunk_rows in chunk_sizes:
        start = time.perf_counter()
        ChunkedCrossEntropy.apply(features, fresh.fc.weight, fresh.fc.bias, targets, None, chunk_rows, True).item()
        chunk_milliseconds[chunk_rows] = min(chunk_milliseconds[chunk_rows], (time.perf_counter() - start) * 1000)
print(f"레시피 32개 배치, 타깃 {len(targets):,}개, float32:")
for chunk_rows, milliseconds in chunk_milliseconds.items():
    print(f"조각당 {chunk_rows:5}행: {milliseconds:6.0f} ms")
plt.semilogx(chunk_sizes, list(chunk_milliseconds.values()), "o-")
plt.xlabel("조각당 행 수")
plt.ylabel("손실과 기울기 계산 시간 (ms)")
plt.title(f"레시피 32개 배치 (타깃 {len(targets):,}개), float32")
plt.show()

# %% [markdown]
# **3. 다른 레시피로 이어서 훈련하기.** 8.4절의 실행을 `Trainer.resume(work / "run" / "last.pt", epochs=2,
# texts=...)`로, 한 번은 뒤집은 말뭉치로, 또 한 번은 `val_fraction=0.3`으로 이어서 훈련해 보세요. 각각 어떤
# 메시지가 나오나요? 그대로 진행되었다면 무엇이 잘못되었을까요?
#
# <details><summary>풀이</summary>
#
# 둘 다 배치를 하나도 훈련하기 전에 거부됩니다. 뒤집은 말뭉치에서는 처음 300개 레시피가 다른 레시피이므로,
# 그 지문이 `last.pt`에 기록된 지문과 다릅니다. `val_fraction`은 이어서 훈련할 때 바꿀 수 있는 설정이 아니므로,
# 이 요청은 레시피를 하나도 읽기 전에 거부됩니다. 둘 중 어느 쪽이든 진행되었다면 분할이 달라졌을 것입니다.
# 모델이 훈련에 쓴 레시피가 이제 검증 레시피가 되어 검증 손실이 실제보다 좋아 보이고, 이어서 훈련하기 전과
# 후의 기록(history)에 담긴 손실은 서로 다른 레시피에서 잰 값이 되어 더는 비교할 수 없습니다.
#
# </details>

# %%
for requested in [dict(texts=texts[::-1]), dict(val_fraction=0.3)]:
    try:
        Trainer.resume(work / "run" / "last.pt", device="cpu", progress=False, epochs=2, **requested)
    except ValueError as error:
        print("거부:", shown(error))

# %% [markdown]
# 임시 폴더는 이제 필요 없습니다.

# %%
shutil.rmtree(work)
print("삭제됨:", not work.exists())
