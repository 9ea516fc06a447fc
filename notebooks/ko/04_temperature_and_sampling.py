# %% [markdown]
# # 4. 온도와 샘플링
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/ko/04_temperature_and_sampling.ipynb)
#
# 모델은 어휘(vocabulary)의 모든 단어에 확률(probability)을 매깁니다. 그 확률에서 단어를 어떻게 뽑느냐에
# 따라 텍스트는 안전하지만 반복적이 되기도 하고, 다양하지만 엉뚱해지기도 합니다. 이 노트북에서는 블로그 글의
# 온도(temperature)를 하나씩 뜯어 보고, 온도를 0까지 내려 탐욕적 디코딩(greedy decoding)을 얻고, top-k와
# top-p를 더한 다음, 책에 나오는 "가장 가능성 높은 다음 단어" 표를 다시 만들어 봅니다. 모두 패키지에 들어 있는
# 사전 훈련된 모델(the pretrained model)로 하므로 여기서는 아무것도 훈련하지 않으며, 다른 노트북을 먼저 실행할
# 필요도 없습니다.

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
import math
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import torch

from lstm_tutorial import PyTorchTextGenerator, SamplingOptions, load_recipes, pretrained_model, tokenize
from lstm_tutorial.blog import apply_temperature
from lstm_tutorial.language import set_language
from lstm_tutorial.sampling import draw, next_token_probs


def show(probs: torch.Tensor) -> str:
    """확률을 짧은 고정 폭 문자열로."""
    return "[" + ", ".join(f"{p:.4f}" for p in probs.tolist()) + "]"


set_language("ko")  # 패널과 차트를 한국어로 (한글 글꼴 포함)


# %% [markdown]
# ## 4.1 온도는 점수를 나눕니다
#
# 블로그 글의 예에서 모델은 단어 1에 5점, 단어 2에 -3점, 단어 3에 10점을 줍니다. 이 점수가 **로짓**(logits)으로,
# 크기에 제한이 없는 날것의 숫자입니다. 소프트맥스(softmax)가 이것을 확률로 바꿉니다. 온도 $T$는 소프트맥스를
# 취하기 전에 로짓을 나눕니다:
#
# $$P_i = \frac{\exp(z_i / T)}{\sum_j \exp(z_j / T)}$$
#
# $T < 1$이면 점수 사이의 간격이 벌어지고(뾰족해짐, sharpening), $T > 1$이면 간격이 좁아집니다(평평해짐,
# flattening).

# %%
z = torch.tensor([5.0, -3.0, 10.0])
for T in [0.5, 1.0, 2.0, 5.0, 100.0]:
    p = torch.softmax(z / T, dim=0)
    assert p.argsort().tolist() == [1, 0, 2]  # 단어의 순서는 절대 바뀌지 않습니다
    print(f"T = {T:>5}: {show(p)}")

# %% [markdown]
# $T = 100$에서는 세 단어의 확률이 거의 같습니다. 점수가 더는 거의 아무 역할도 하지 못합니다. 나누기는 단어의
# 순서를 결코 바꾸지 않고(assert), 확률들이 서로 얼마나 떨어져 있는지만 바꿉니다.
#
# ## 4.2 블로그 글의 `probs ** (1 / T)`도 같은 계산입니다
#
# 블로그 글의 `PyTorchTextGenerator.sample_from`은 점수가 아니라 확률을 받아서 `probs ** (1 / temperature)`로
# 뾰족하게 만든 뒤 다시 정규화합니다. $p_i = e^{z_i} / S$이므로 $p_i^{1/T} = e^{z_i / T} / S^{1/T}$이고,
# 인수 $S^{1/T}$는 모든 단어에 똑같으므로 다시 정규화하면 사라집니다. 아래는 블로그 글의 메서드를 함수로 옮긴
# 것으로, `softmax(z / T)` 및 패키지와 비교해 확인합니다. 블로그 글이 `torch.multinomial`을 부르는 자리에서 이
# 함수는 노트북 3의 `draw(probs, generator)`(누적 합, 균등 난수 $u$, `torch.searchsorted`)로 단어를 뽑습니다.
# 분포는 같고, 시드를 주면 패키지와 같은 단어를 뽑습니다(4.3절에서 확인합니다).

# %%
def sample_from(probs: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None):
    """블로그 글의 PyTorchTextGenerator.sample_from을 함수로 옮긴 것 (`draw`로 뽑습니다)."""
    probs = probs ** (1 / temperature)
    probs = probs / probs.sum()
    sample_idx = int(draw(probs, generator))
    return sample_idx, probs.cpu().numpy()


p = torch.softmax(z, dim=0)
for T in [0.5, 2.0, 5.0]:
    _, blog_probs = sample_from(p, T)
    torch.testing.assert_close(torch.from_numpy(blog_probs), torch.softmax(z / T, dim=0))
    torch.testing.assert_close(apply_temperature(p, T), torch.softmax(z / T, dim=0))
    torch.testing.assert_close(next_token_probs(z, T), torch.softmax(z / T, dim=0))
print("블로그 글의 probs ** (1/T)를 다시 정규화한 값 == softmax(z / T) == 패키지의 apply_temperature / next_token_probs")

# %% [markdown]
# 숫자는 같지만 블로그 글의 방식은 $T$가 작으면 깨집니다. $T = 0.005$에서는 각 확률을 200제곱하는데,
# $0.4^{200} \approx 10^{-80}$은 float32로 나타낼 수 있는 가장 작은 수보다 작으므로 모든 단어가 0이 되고,
# `0 / 0`은 `nan`입니다. $T = 0$에서는 0으로 나누게 됩니다. 패키지는 점수로 계산합니다. $T < 1$이면
# `softmax((z - max z) / T)`를 계산하므로(나눈 점수 중 가장 큰 값이 정확히 0이라 오버플로가 일어나지 않습니다)
# 안전하고, $T = 0$은 탐욕적 디코딩입니다(4.6절).

# %%
p4 = torch.tensor([0.4, 0.3, 0.2, 0.1])
for T in [0.005, 0.0]:
    try:
        print(f"블로그 글, T = {T}: {show(torch.from_numpy(sample_from(p4, T)[1]))}")
    except ZeroDivisionError as error:
        print(f"블로그 글, T = {T}: {type(error).__name__}: {error}")
    print(f"패키지,    T = {T}: {show(apply_temperature(p4, T))}")

# %% [markdown]
# ## 4.3 사전 훈련된 모델과 prefill
#
# 여기서부터 숫자는 패키지 안에 들어 있는 모델에서 나옵니다. 책의 구조(임베딩(embedding) 100, 은닉 유닛 128개의
# LSTM)로, 이 과정의 레시피(recipe) 3,271개 중 2,617개로 훈련했고 나머지 654개에서 검증(validation)
# 퍼플렉서티(perplexity)가 35.3입니다. `pretrained_model("book")`은 모델과 어휘, 체크포인트(checkpoint)를
# 돌려줍니다. 블로그 글처럼 모델, `idx2token`, `token2idx`로 블로그 글의 `PyTorchTextGenerator`를 만들고,
# 4.2절의 우리 `sample_from`이 같은 시드에서 그 `sample_from`과 같은 단어를 뽑는지 확인합니다.
#
# **Prefill**은 프롬프트(prompt) 전체에 모델을 한 번 실행해서, LSTM 상태와 프롬프트 다음 단어에 대한 로짓(블로그
# 글의 `logits[0, -1, :]`)을 얻어 두는 일입니다. 그다음 생성은 그 상태에서 한 번에 한 단어씩(한 step씩)
# 이어집니다.

# %%
model, vocab, checkpoint = pretrained_model("book", "cpu")
gen = PyTorchTextGenerator(model, vocab.idx2token, vocab.token2idx, "cpu")
V = len(gen.idx2token)
print(f"어휘의 단어 {V}개, 검증 퍼플렉서티 {math.exp(checkpoint['val_loss']):.1f}")

# %% [markdown]
# 프롬프트는 말뭉치(corpus)에 실제로 있는 요리로 시작합니다(말뭉치에 없는 요리를 프롬프트로 주면 모델은 자기가
# 아는 쪽으로 흘러갑니다). 레시피 하나는 "Recipe for {title} | {directions}" 형태의 문자열 하나입니다:

# %%
recipes = load_recipes(verbose=False)
for dish in ["banana bread", "pancakes", "chicken curry"]:
    titles = [text.split(" | ")[0].removeprefix("Recipe for ") for text in recipes if dish in text.lower().split(" | ")[0]]
    assert titles, dish
    print(f"{dish!r}: 레시피 {len(titles)}개, 예: {titles[:2]}")

# %%
prompt = "recipe for banana bread | preheat the oven to"
state = gen.prefill(prompt)
logits = state.next_logits[0]  # [vocab]: 프롬프트 다음 단어에 대한 날것의 점수
probs = torch.softmax(logits, dim=-1)
assert logits.shape == (V,)  # 어휘의 단어마다 점수 하나

# 우리 sample_from과 패키지의 sample_from은 실제 분포에서 일치하고, 같은 시드라면 뽑는 단어도 같습니다
print(f"{prompt!r}: 로짓 {tuple(logits.shape)}")
for T in [0.5, 1.0, 1.5]:
    ours, blog_probs = sample_from(probs, T, torch.Generator().manual_seed(0))
    package, package_probs = gen.sample_from(probs, T, gen.random_generator(0))
    np.testing.assert_allclose(blog_probs, package_probs, rtol=1e-4, atol=1e-8)
    assert ours == package
    print(f"T = {T}, 시드 0: sample_from이 뽑은 단어 {gen.idx2token[ours]!r}, 패키지의 sample_from도 같음")

# %% [markdown]
# ## 4.4 다섯 온도에서 본 다음 단어 하나
#
# "preheat the oven to" 다음에 올 가능성이 가장 높은 다섯 단어를 다섯 온도에서 표로 보고, 이어서 상위 열 단어를
# 막대그래프로 봅니다:

# %%
temperatures = [0.2, 0.5, 1.0, 1.5, 2.0]
for T in temperatures:
    best = next_token_probs(logits, T).topk(5)
    row = "  ".join(f"{gen.idx2token[i]:>4} {p:.3f}" for p, i in zip(best.values.tolist(), best.indices.tolist()))
    print(f"T = {T}: {row}   상위 5개의 합 {best.values.sum():.3f}")

# 로짓을 T로 나누면 두 확률의 비가 1/T제곱이 됩니다
p180, p350 = (next_token_probs(logits, 1.0)[gen.token2idx[w]].item() for w in ["180", "350"])
q180, q350 = (next_token_probs(logits, 0.2)[gen.token2idx[w]].item() for w in ["180", "350"])
assert math.isclose(q180 / q350, (p180 / p350) ** (1 / 0.2), rel_tol=1e-4)
print(f"\n180 / 350: T = 1에서 {p180 / p350:.3f}, T = 0.2에서 {q180 / q350:.3f} = {p180 / p350:.3f} ** 5")

# %%
top = probs.topk(10)
words = [gen.idx2token[i] for i in top.indices.tolist()]
fig, axes = plt.subplots(1, len(temperatures), figsize=(16, 3.2), sharey=True)
for ax, T in zip(axes, temperatures):
    tempered = next_token_probs(logits, T)[top.indices]
    ax.bar(range(10), tempered.cpu().numpy(), color="tab:orange")
    ax.set_xticks(range(10), words, rotation=60)
    ax.set_title(f"T = {T}")
axes[0].set_ylabel("확률")
fig.suptitle(f"'{prompt}' 다음 단어")
plt.tight_layout()
plt.show()

# %% [markdown]
# $T = 1$에서 선두는 180과 350입니다(0.309와 0.224). 말뭉치가 오븐 온도를 °C와 °F 두 가지로 적으므로 모델도
# 양쪽에 걸어 둡니다. $T$를 낮춘다고 1위가 모든 것을 가져가지는 않습니다. $T = 0.2$에서 180은 0.833을 가져가고
# 350은 0.167을 지킵니다. 로짓을 $T$로 나누면 두 점수의 차이가 $1/T$배가 되므로, 두 확률의 비는 $1/T$제곱이
# 됩니다. 1.380은 $1.380^5 \approx 5.0$ = 0.833 / 0.167이 되고(위의 확인), 멀리 뒤처진 단어들은
# 사라집니다(180이 언제 거의 전부를 가져가는지는 연습 문제 4에서 다룹니다). $T = 2$에서는 막대가 평평해집니다.
# 상위 다섯 단어가 0.141밖에 가지지 못하고, 나머지는 수천 개의 단어에 흩어져 있습니다.

# %% [markdown]
# ## 4.5 온도에 따른 엔트로피
#
# **엔트로피**(entropy) $H = -\sum_i p_i \ln p_i$는 분포가 얼마나 퍼져 있는지를 잽니다. 자연로그를 쓰면 단위는
# **내트**(nats)이고, $e^H$는 그 분포가 확률이 같은 단어 몇 개와 "맞먹는지"를 나타냅니다. 확실한 단어 하나는
# $H = 0$, 0.5씩인 두 단어는 $H = \ln 2 \approx 0.69$이고, $V$개 단어 전체에 고르게 퍼진 균등 분포가 가장 큰
# $\ln V$를 가지며, 이때 모델이 아는 것은 모두 사라집니다. 세 문맥을 비교합니다. 4.4절의 오븐 온도(선두가 둘,
# "two leaders"), "to 350" 다음 단어(모델이 확신함, "sure"), 그리고 "add the" 다음에 올 재료(여러 단어가 들어맞음,
# "many fit")입니다.

# %%
def entropy(p: torch.Tensor) -> float:
    p = p[p > 0]
    return max(0.0, -float((p * p.log()).sum()))  # max: 정확히 1인 확률은 -0.0을 냅니다


contexts = {
    "sure": "recipe for banana bread | preheat the oven to 350",
    "two leaders": "recipe for banana bread | preheat the oven to",
    "many fit": "recipe for chicken curry | add the",
}
context_logits = {name: gen.prefill(text).next_logits[0] for name, text in contexts.items()}
for name, scores in context_logits.items():
    best = torch.softmax(scores, -1).topk(3)
    leaders = ", ".join(f"{gen.idx2token[i]} {p:.3f}" for p, i in zip(best.values.tolist(), best.indices.tolist()))
    print(f"{name:>12} ('...{contexts[name][-22:]}'): {leaders}")

table_Ts = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0]
print(f"\n{'H (nats) at T =':>16}" + "".join(f"{T:>7}" for T in table_Ts))
for name, scores in context_logits.items():
    print(f"{name:>16}" + "".join(f"{entropy(next_token_probs(scores, T)):7.3f}" for T in table_Ts))
print(f"ln 2 = {math.log(2):.3f}, ln 3 = {math.log(3):.3f}, ln V = {math.log(V):.3f}\n")
for T in [0.1, 0.02]:
    best = next_token_probs(context_logits["many fit"], T).topk(3)
    print(f"many fit at T = {T}: " + ", ".join(f"{gen.idx2token[i]} {p:.3f}" for p, i in
                                               zip(best.values.tolist(), best.indices.tolist())))

# %%
Ts = np.geomspace(0.02, 3.0, 60)
fig, ax = plt.subplots(figsize=(7, 4))
for name, scores in context_logits.items():
    H = np.array([entropy(next_token_probs(scores, float(T))) for T in Ts])
    assert np.all(np.diff(H) > -1e-4), "엔트로피는 온도와 함께 커집니다"
    ax.plot(Ts, H, label=f"{name}: '...{contexts[name][-16:]}'")
ax.axhline(math.log(V), color="gray", linestyle="--", label=f"ln V (단어 {V}개에 고르게)")
ax.axhline(math.log(3), color="gray", linestyle="-.", label="ln 3 (세 단어가 1/3씩)")
ax.axhline(math.log(2), color="gray", linestyle=":", label="ln 2 (두 단어가 0.5씩)")
ax.axvline(1.0, color="gray", linewidth=0.8)
ax.set_xscale("log")
ax.set_xlabel("온도 T (로그 눈금)")
ax.set_ylabel("엔트로피 (내트)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# 모든 곡선은 $T$와 함께 올라가며(assert) $\ln V = 9.012$에 다가갑니다($T = 3$에서 7.6~8.2). $T \to 0$ 쪽으로는
# 내려가는데, 선두 단어들끼리 차이가 클수록 빨리 내려갑니다:
#
# - **sure** ("°"가 0.995): $H$는 $T = 1$에서 0.053이고, $T = 0.5$부터 그 아래로는 0.000입니다.
# - **two leaders**: $T = 0.2$에서 0.453(4.4절의 고르지 않은 0.833 / 0.167 분할이라 $\ln 2$보다 낮습니다)이고,
#   $T = 0.05$가 되어서야 거의 0(0.012)이 됩니다.
# - **many fit**: $T = 1$에서 water, oil, onion이 거의 동률(0.039, 0.038, 0.037)이고, 이렇게 1에 가까운 비는
#   $1/T$제곱을 해도 1에 가깝게 남습니다. 곡선은 $\ln 3 = 1.099$ 근처에서 평평해지고($T = 0.1$에서 1.199, 세
#   단어가 0.975를 차지), $T = 0.02$에서도 여전히 0.603입니다(water 0.795, oil 0.169).
#
# $T \to 0$이면 $H \to 0$이지만, 단어들이 거의 동률인 곳에서는 아주 작은 $T$에서만 한 단어가 전부를 가져갑니다.

# %% [markdown]
# ## 4.6 T -> 0은 탐욕적 디코딩입니다
#
# **탐욕적 디코딩**은 무작위성 없이 언제나 가장 가능성 높은 다음 단어 하나(로짓의 argmax)를 고릅니다. $T$가
# 작아지면 가장 큰 확률이 1로 가므로 탐욕적 디코딩은 $T \to 0$의 극한이며, 패키지는 $T = 0$을 받아 정확히 그
# 뜻으로 씁니다.

# %%
for T in [1.0, 0.5, 0.2, 0.1, 0.05, 0.0]:
    print(f"T = {T:<4}: {show(next_token_probs(p4.log(), T))}")

# %% [markdown]
# $T = 0$이면 생성 결과가 더 이상 시드에 따라 달라지지 않습니다. 손으로 쓴 탐욕적 루프(프롬프트를 prefill한 뒤,
# argmax로 고른 단어를 노트북 2에서처럼 이어받은 상태 `(h, c)`와 함께 다시 넣는 step을 되풀이)를 패키지의
# `generate(..., temperature=0)`과 비교합니다:

# %%
@torch.no_grad()
def greedy_by_hand(prompt, max_tokens):
    ids = gen.encode_prompt(prompt)
    logits_, hidden = model(torch.tensor([ids]))  # prefill: 프롬프트 전체를 한 번에
    next_logits = logits_[0, -1]
    for _ in range(max_tokens):
        next_id = int(next_logits.argmax())
        ids.append(next_id)
        if next_id in gen.stop_ids:  # <EOS>(또는 <PAD>)가 텍스트를 끝냅니다
            break
        step_logits, hidden = model.step(torch.tensor([next_id]), hidden)  # 한 단어씩, (h, c)를 이어받아
        next_logits = step_logits[0]
    return ids


start = "recipe for banana bread |"
info_a = gen.generate(start, max_tokens=60, temperature=0, seed=1, verbose=False)
info_b = gen.generate(start, max_tokens=60, temperature=0, seed=2, verbose=False)
assert [step["token"] for step in info_a] == [step["token"] for step in info_b]  # 난수 시드는 상관없습니다
by_hand = greedy_by_hand(start, 60)
assert [gen.idx2token[i] for i in by_hand[len(gen.encode_prompt(start)):]] == [step["token"] for step in info_a]
print("손으로 쓴 탐욕적 디코딩 == generate(temperature=0), 난수 시드와 상관없이\n")
print(f"T = 0 (탐욕적): {gen.text(by_hand)}")

# %% [markdown]
# 탐욕적 디코딩은 진짜 레시피처럼 시작하지만("preheat oven to 350°f (175°c). combine the flour, baking
# powder, and salt in a bowl."), 곧 "add the onion and cook until the onion is tender"를 맴돕니다. 그 문장
# 안에서는 가장 가능성 높은 단어들이 다시 그 문장으로 이어지기 때문입니다. 매 단계에서 가장 가능성 높은 단어를
# 고른다고 해서 가장 가능성 높은 텍스트가 되지는 않으며, 가장 좋은 텍스트는 더더욱 아닙니다.
#
# 이제 세 온도에서 생성해 봅니다. 실행할 때마다 같은 텍스트가 나오도록 시드를 고정합니다(텍스트는 모든 레시피의
# 끝에 붙는 `<EOS>`를 모델이 뽑거나 60 토큰(token)에 이르면 끝납니다):

# %%
for T in [0.5, 1.0, 1.5]:
    text = gen.sample(start, max_tokens=60, temperature=T, seed=0)[0]
    info = gen.generate(start, max_tokens=60, temperature=T, seed=0, verbose=False)  # 같은 시드, 같은 단어
    ending = "<EOS>에서 끝남" if info[-1]["token"] == "<EOS>" else "60 토큰에서 멈춤"
    print(f"T = {T} (토큰 {len(info)}개, {ending}): {text}\n")

counts = Counter(token for text in recipes for token in tokenize(text))
print("말뭉치에 나온 횟수: " + ", ".join(f"{word} {counts[word]}" for word in ["banana", "garlic", "chicken"]))

# %% [markdown]
# $T = 0.5$에서는 텍스트가 매끄럽지만 한 패턴을 되풀이하고(add the garlic ... add the chicken ... add the
# catfish) 60 토큰을 다 씁니다. 모델이 배운 분포 그대로인 $T = 1.0$에서는 더 다양하고 대체로 문법에 맞으며,
# 45 토큰 뒤에 스스로 끝납니다. $T = 1.5$에서는 문장이 무너집니다("a blender eyes around nigerian jam"). 어느
# 것도 진짜 바나나 브레드 레시피는 아닙니다. 제목은 기껏해야 처음 몇 단어를 이끌 뿐이고, 이 작은 모델은 곧
# 말뭉치에 가장 자주 나오는 내용으로 흘러갑니다. "garlic"과 "chicken"은 각각 "banana"보다 열 배쯤 자주
# 나옵니다.
#
# ## 4.7 블로그 글의 `generate`를 직접 써 보기
#
# 패키지는 프롬프트를 한 번 읽은 다음 LSTM 상태를 이어 갑니다(prefill, 4.3절). 블로그 글의
# `PyTorchTextGenerator.generate`는 더 단순해서, 매 단계마다 지금까지의 텍스트 전체에 모델을 실행합니다.
# 블로그 글의 이름과 단계를 그대로 따라 우리 코드로 옮기면 이렇습니다:
#
# 1. 프롬프트를 단어 단위로(`lower().split()`) 인코딩하고, 모르는 단어는 `<UNK>`로 바꿉니다.
# 2. 최대 `max_tokens`번 되풀이합니다. 지금까지의 토큰에 모델을 실행하고, 로짓의 마지막 행에 소프트맥스를
#    취하고, 주어진 온도에서 `sample_from`(4.2절)으로 다음 단어를 뽑고, 지금까지의 텍스트(`"prompt"`)와 뽑을 때
#    쓴 분포(`"word_probs"`)를 담은 dict를 `info` 리스트에 추가한 뒤, 뽑은 단어를 덧붙입니다.
# 3. `<EOS>`나 `<PAD>`가 나오면 멈춥니다.
#
# 블로그 글에는 시드가 없습니다. 우리는 패키지처럼 `seed`로 `torch.Generator`에 시드를 주어 같은 실행을 되풀이할
# 수 있게 합니다.

# %%
class BlogTextGenerator:
    """블로그 글의 PyTorchTextGenerator를 우리 코드로: sample_from(4.2절)과 generate."""

    def __init__(self, model, idx2token: list[str], token2idx: dict[str, int]):
        self.model = model.eval()
        self.idx2token = idx2token
        self.token2idx = token2idx

    @torch.no_grad()
    def generate(self, start_prompt: str, max_tokens: int = 100, temperature: float = 1.0,
                 seed: int | None = None, verbose: bool = True) -> list[dict]:
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        unk = self.token2idx["<UNK>"]
        tokens = [self.token2idx.get(word, unk) for word in start_prompt.lower().split()]
        stop_tokens = {self.token2idx["<EOS>"], self.token2idx["<PAD>"]}
        info = []
        for _ in range(max_tokens):
            logits, _ = self.model(torch.tensor([tokens]))  # 매 단계마다 지금까지의 텍스트 전체
            probs = torch.softmax(logits[0, -1], dim=-1)  # 마지막 행: 마지막 토큰 다음 단어
            next_token, word_probs = sample_from(probs, temperature, generator)
            info.append({"prompt": " ".join(self.idx2token[idx] for idx in tokens), "word_probs": word_probs})
            tokens.append(next_token)
            if next_token in stop_tokens:
                break
        if verbose:
            print(f"\n생성된 텍스트:\n{' '.join(self.idx2token[idx] for idx in tokens)}\n")
        return info


blog_gen = BlogTextGenerator(model, vocab.idx2token, vocab.token2idx)
info = blog_gen.generate(start, max_tokens=60, temperature=1.0, seed=0)

# %% [markdown]
# 4.6절의 $T = 1$ 텍스트와 단어 하나하나까지 같습니다("fry potatoes ... a lobster ..."). 블로그 글처럼 토큰을
# 공백으로 이어 붙이고, 생성을 멈춘 `<EOS>`까지 출력합니다. 패키지의
# `PyTorchTextGenerator(model, idx2token, token2idx).generate`는 그 대신 $(h, c)$를 이어 갑니다. 그 `seed=`는
# 우리 것처럼 `draw`에 쓸 `torch.Generator`에 시드를 주므로, 같은 시드라면 두 생성기는 똑같은 단계를 밟아야
# 합니다. 아래 확인은 세 온도와 두 프롬프트에서 모든 단계의 `"prompt"`(지금까지의 텍스트, 곧 뽑힌 단어들)와
# `"word_probs"`를 비교합니다:

# %%
for text in [start, "recipe for matcha banana bread |"]:
    for T in [0.5, 1.0, 1.5]:
        ours = blog_gen.generate(text, max_tokens=60, temperature=T, seed=0, verbose=False)
        package = gen.generate(text, max_tokens=60, temperature=T, seed=0, verbose=False)
        assert [step["prompt"] for step in ours] == [step["prompt"] for step in package]  # 같은 단어들
        for mine, theirs in zip(ours, package):
            np.testing.assert_allclose(mine["word_probs"], theirs["word_probs"], rtol=1e-4, atol=1e-7)
        print(f"{text!r}, T = {T}, 시드 0: {len(ours)}개 단계의 prompt와 word_probs가 모두 같음")

# %% [markdown]
# 여섯 번의 실행 모두 단계, 단어, 분포가 같습니다. 상태를 이어 가는 방식은 계산 비용을 바꿀 뿐 텍스트는 바꾸지
# 않습니다. 두 번째 프롬프트에는 어휘에 없는 단어 "matcha"가 있습니다. 단어 단위로 나누면 이 단어는 `<UNK>`가
# 되고, 모델은 이것을 다른 토큰과 똑같이 읽습니다. 그 실행과 `info` 리스트의 처음 몇 항목입니다(각
# `word_probs`는 크기, 합, 상위 세 단어로 보여 줍니다):

# %%
info = blog_gen.generate("recipe for matcha banana bread |", max_tokens=20, temperature=1.0, seed=0)
assert "matcha" not in blog_gen.token2idx and info[0]["prompt"] == "recipe for <UNK> banana bread |"
for step in info[:3]:
    word_probs = torch.from_numpy(step["word_probs"])
    best = word_probs.topk(3)
    leaders = ", ".join(f"{blog_gen.idx2token[i]} {p:.3f}" for p, i in zip(best.values.tolist(), best.indices.tolist()))
    print(f"{{'prompt': {step['prompt']!r}, 'word_probs': 숫자 {len(word_probs)}개, 합 {word_probs.sum():.3f}}}"
          f"\n    가장 가능성 높은 단어: {leaders}")

# %% [markdown]
# 각 프롬프트는 바로 앞의 프롬프트에 뽑힌 단어를 더한 것입니다. 선두인 "in"(0.141)이 아니라 "cut"이 뽑혔고,
# "cut soy" 다음에는 "sauce"가 0.642로 앞서지만 실제로 뽑힌 것은 "into"(0.084)입니다.
#
# ## 4.8 Top-k와 top-p
#
# 온도는 분포의 모양을 바꾸지만 단어를 없애지는 않습니다. 가능성이 낮은 수천 개의 단어가 작은 몫을 그대로
# 가지고 있다가, 가끔 그중 하나가 뽑힙니다($T = 1$의 "lobster", $T = 0.5$에서도 "catfish"). 그래서 흔히 쓰는
# 두 가지 자르기가 있습니다(블로그 글에는 없고, 패키지의 `SamplingOptions(temperature, top_k, top_p)`에 있는
# 옵션입니다):
#
# - **top-k**는 가장 가능성 높은 $k$개 단어만 남기고, 합이 1이 되도록 다시 정규화합니다.
# - **top-p**(**핵 샘플링**, nucleus sampling)는 확률을 더해 $p$ 이상이 되는 가장 작은 상위 단어 집합을 남기고
#   다시 정규화합니다. 모델이 확신할 때는 적은 단어를, 그렇지 않을 때는 많은 단어를 남깁니다.
#
# 온도를 먼저 적용하고, 자르기는 그다음입니다. 둘 다 작은 예시 분포에서 손으로 구현하고, 그 분포와 모델의 실제
# 분포에서 `SamplingOptions.probs`와 비교해 확인합니다:

# %%
toy_words = ["2", "4", "3", "the", "cup", "onion"]
toy = torch.tensor([0.45, 0.20, 0.12, 0.10, 0.08, 0.05])


def top_k_by_hand(p, k):
    keep = torch.zeros_like(p, dtype=torch.bool)
    keep[p.topk(k).indices] = True
    return torch.where(keep, p, 0) / p[keep].sum()


def top_p_by_hand(p, top_p):
    order = p.argsort(descending=True)
    mass_before = p[order].cumsum(0) - p[order]  # 각 단어보다 순위가 높은 단어들의 확률 합
    keep = torch.zeros_like(p, dtype=torch.bool)
    keep[order[mass_before < top_p]] = True  # 위 단어들의 합이 top_p보다 작은 동안 단어를 남깁니다
    return torch.where(keep, p, 0) / p[keep].sum()


torch.testing.assert_close(top_k_by_hand(toy, 3), SamplingOptions(top_k=3).probs(toy.log()))
torch.testing.assert_close(top_p_by_hand(toy, 0.8), SamplingOptions(top_p=0.8).probs(toy.log()))
print(f"{'':15}" + "".join(f"{w:>8}" for w in toy_words))
for name, q in [("T = 1", toy), ("top_k = 3", top_k_by_hand(toy, 3)), ("top_p = 0.8", top_p_by_hand(toy, 0.8)),
                ("T = 2, top_k 3", SamplingOptions(2.0, top_k=3).probs(toy.log()))]:
    print(f"{name:15}" + "".join(f"{x:8.3f}" for x in q.tolist()))

# 모델의 실제 분포 세 개에서도 같은 확인, 온도를 먼저 적용
checked = 0
for scores in context_logits.values():
    for T in [0.5, 1.0, 1.5]:
        tempered = SamplingOptions(T).probs(scores)
        for k in [1, 5, 50]:
            torch.testing.assert_close(top_k_by_hand(tempered, k), SamplingOptions(T, top_k=k).probs(scores))
            checked += 1
        for top_p in [0.5, 0.9, 0.99]:
            torch.testing.assert_close(top_p_by_hand(tempered, top_p), SamplingOptions(T, top_p=top_p).probs(scores))
            checked += 1
print(f"\n손으로 쓴 top-k, top-p == SamplingOptions (실제 분포 {checked}개에서)")

# %% [markdown]
# top-p = 0.8은 네 단어를 남깁니다. 앞의 세 단어를 더해도 0.77밖에 안 되므로 0.8에 이르려면 네 번째 단어 "the"가
# 필요하고, 네 단어를 다시 정규화합니다("2": 0.45 / 0.87 = 0.517). top-k = 3은 몫이 얼마든 세 단어를 남깁니다.
# 마지막 행에서는 온도가 먼저 예시 분포를 평평하게 만들고, 그다음 자르기가 세 단어를 남깁니다. ($k$번째 단어와
# 동률인 단어가 있으면 패키지는 모두 남기고 손으로 쓴 버전은 정확히 $k$개만 남깁니다. 실제 점수에는 동률이 없으므로
# 54번의 확인이 모두 일치합니다.)
#
# ## 4.9 top-p는 모델의 확신에 맞춰 달라집니다
#
# 세 문맥에서 온도가 올라가면 top-p = 0.9는 단어를 몇 개나 남길까요?

# %%
kept = {name: [int((SamplingOptions(float(T), top_p=0.9).probs(scores) > 0).sum()) for T in Ts]
        for name, scores in context_logits.items()}
for name, scores in context_logits.items():
    counts = [int((SamplingOptions(T, top_p=0.9).probs(scores) > 0).sum()) for T in [0.5, 1.0, 1.5, 2.0]]
    print(f"{name:>12}: top-p 0.9가 남기는 단어 " + " / ".join(f"{n:>4}" for n in counts) + "개 (T = 0.5 / 1 / 1.5 / 2)")

fig, ax = plt.subplots(figsize=(7, 4))
for name, counts in kept.items():
    ax.plot(Ts, counts, label=f"{name}: '...{contexts[name][-16:]}'")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("온도 T (로그 눈금)")
ax.set_ylabel("top-p = 0.9가 남긴 단어 수")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# 같은 top-p = 0.9가 모델이 확신하는 곳에서는 단어 하나만 남기고("°", $T$ = 0.5와 1에서; 1.5에서는 8개),
# "preheat the oven to" 다음에서는 2, 19, 473개, "add the" 다음에서는 27, 240, 824개를 남깁니다. 어디서나 같은
# 개수를 남기는 top-k와 달리, top-p는 모델의 확신에 맞춰 달라집니다. 하지만 높은 온도를 되돌리지는 못합니다.
# $T = 2$에서는 평평해진 꼬리에 확률이 너무 많이 몰려 있어서 모든 문맥에서 814~2,022개 단어를 남깁니다. 그래서
# top-p는 보통 $T \le 1$과 함께 씁니다.
#
# ## 4.10 책의 표: 가장 가능성 높은 다음 단어 다섯 개
#
# 책은 두 프롬프트에 대해 $T = 1.0$과 $T = 0.2$에서 가장 가능성 높은 다음 단어 다섯 개를 표로 보여 줍니다. 책의
# 프롬프트("recipe for roasted vegetables | chop 1 /"와 "recipe for chocolate ice cream |")는 우리 말뭉치에 없는
# 요리이므로, 같은 자리에 말뭉치에 있는 요리를 씁니다. "1 /" 다음에는 분모가 와야 하고, 제목을 끝내는 `|`
# 다음에는 조리법의 첫 단어가, "add the" 다음에는 여러 단어가 들어맞는 재료가 옵니다.

# %%
table_prompts = ["recipe for banana bread | add 1 /", "recipe for chicken curry |", "recipe for chicken curry | add the"]
for text in table_prompts:
    scores = gen.prefill(text).next_logits[0]
    print(f"\n{text}")
    for T in [1.0, 0.2]:
        best = next_token_probs(scores, T).topk(5)
        row = "  ".join(f"{gen.idx2token[i]!r:>10}: {p:.3f}" for p, i in zip(best.values.tolist(), best.indices.tolist()))
        print(f"  T = {T}: {row}   (합 {best.values.sum():.3f})")

# %% [markdown]
# 책의 요점은 그대로 성립합니다. "1 /" 다음의 상위 다섯 단어는 분모(2, 4, 3, 8, 1)이고 $T = 1$에서 0.916을
# 차지합니다. `|` 다음에는 조리법을 시작하는 단어들(combine, preheat, in, heat, boil)이 0.471을 차지합니다.
# $T = 0.2$에서는 한두 단어가 앞서는 곳에서 상위 단어들이 거의 전부를 가져갑니다. "1 /" 다음에서 1.000, `|`
# 다음에서 0.997입니다. "add the" 다음에서는 상위 다섯 단어가 $T = 1$에서 0.166, $T = 0.2$에서도 0.866밖에
# 차지하지 못합니다. 거의 동률인 water, oil, onion이 계속 나눠 갖기 때문입니다(0.306, 0.263, 0.225).
#
# ## 요약
#
# - 온도는 로짓을 나눕니다: `softmax(z / T)`. 블로그 글의 `probs ** (1/T)`를 다시 정규화한 것과 같지만 작은
#   $T$에서도 안전하고, $T = 0$은 탐욕적 디코딩입니다.
# - $T < 1$은 분포를 뾰족하게(안전하고 반복적), $T > 1$은 평평하게(다양하다가 결국 횡설수설) 만듭니다.
#   엔트로피는 $T$와 함께 0에서 $\ln V$ 쪽으로 커집니다. 여러 단어가 거의 동률이면 $T$가 아주 작아질 때까지
#   그 개수의 로그 근처에 머뭅니다(water, oil, onion이면 $\ln 3$).
# - 블로그 글의 `generate`는 매 단계마다 텍스트 전체에 모델을 실행하고 `info` 리스트를 남깁니다. 같은 시드라면
#   패키지가 이어받은 상태로 쓰는 텍스트와 똑같은 텍스트를 씁니다.
# - top-k는 정해진 개수의 단어를, top-p(핵 샘플링)는 확률의 정해진 몫을 남깁니다. 그래서 top-p는 모델이 확신하는
#   곳에서는 적은 단어를, 그렇지 않은 곳에서는 많은 단어를 남깁니다.
#
# 노트북 5에서는 이런 모델을 훈련(training)하고, 노트북 6에서는 이 모든 손잡이를 슬라이더로 조절합니다.
#
# ## 연습 문제
#
# **1. 예측하고 실행하기: 어느 온도에서 차트가 평평해질까요?** 4.4절의 막대는 $T = 2$에서 거의 평평해 보입니다.
# 그때 "preheat the oven to" 다음의 분포는 균등 분포에 가까울까요? $T$ = 2, 10, 100, 1000에서 엔트로피가
# $\ln V = 9.012$의 몇 할인지 먼저 짐작해 본 뒤 셀을 실행하세요.

# %%
for T in [2, 10, 100, 1000]:
    q = next_token_probs(logits, T)
    H_T = entropy(q)
    print(f"T = {T:>4}: H = {H_T:.3f} = ln V의 {H_T / math.log(V):.3f}, e^H = 단어 {math.exp(H_T):4.0f}개와 맞먹음; "
          f"가장 큰 p = {q.max():.5f}, 균등 1/V = {1 / V:.5f}")

# %% [markdown]
# <details><summary>풀이</summary>
#
# 비율은 $T = 2$에서 0.749, $T = 10$에서 0.994, 100과 1000에서는 (소수 셋째 자리까지) 1.000입니다. 그러니
# $T = 2$에서는 균등 분포와 거리가 멉니다. $H$는 8,203개 중 확률이 같은 단어 약 853개와 맞먹고, 180은 여전히
# 균등 분포일 때보다 약 391배(0.04765 × 8,203) 가능성이 높습니다. 막대가 평평해 보이는 것은 열 개가 함께
# 줄어들기 때문입니다. $T = 10$에서는 7,747개, 1000에서는 8,203개 전부와 맞먹습니다. $T$가 크면 모든 로짓이 0에
# 가까워지고, 모델이 배운 것은 사라집니다.
#
# </details>
#
# **2. 예측하고 실행하기: top-k = 1은 탐욕적 디코딩과 같을까요?** `sample(..., temperature=1, top_k=1)`은
# 시드를 받아 무작위로 뽑습니다. 어느 시드에서나 4.6절의 탐욕적 텍스트를 쓸까요? 아주 작은 top-p, 0.01은
# 어떨까요?

# %%
greedy_text = gen.sample(start, max_tokens=60, temperature=0)[0]
for seed in range(3):
    same_k = gen.sample(start, max_tokens=60, temperature=1.0, top_k=1, seed=seed)[0] == greedy_text
    same_p = gen.sample(start, max_tokens=60, temperature=1.0, top_p=0.01, seed=seed)[0] == greedy_text
    print(f"시드 {seed}: top_k = 1이 탐욕적 텍스트를 씀: {same_k};  top_p = 0.01: {same_p}")

# %% [markdown]
# <details><summary>풀이</summary>
#
# 시드와 상관없이 둘 다 그렇습니다. top-k = 1은 가장 가능성 높은 단어 하나만 확률 1로 남기므로 뽑을 수 있는 것이
# 하나뿐입니다. 곧 탐욕적 디코딩입니다. top-p = 0.01은 0.01을 담는 가장 작은 상위 단어 집합을 남기는데, 첫
# 단어 하나로 충분합니다. (1위가 정확히 동률일 때만 달라질 수 있습니다.)
#
# </details>
#
# **3. 고쳐 보기: 블로그 글의 `probs ** (1 / T)`를 안전하게 만들기.** 아래 셀에는 블로그 글의 계산이 그대로
# 들어 있습니다. 0.005(블로그 글의 버전이 nan을 내는 곳)와 0(탐욕적 디코딩)을 포함한 모든 $T$에서 확인 결과가
# OK로 나오도록 `my_tempered`를 다시 쓰세요.

# %%
def my_tempered(probs, temperature):
    """연습 문제: 블로그 글의 방식입니다. 작은 T와 T = 0에서도 동작하게 고치세요."""
    probs = probs ** (1 / temperature)
    return probs / probs.sum()


for T in [2.0, 0.5, 0.005, 0.0]:
    try:
        mine = my_tempered(p4, T)
        verdict = "OK" if torch.allclose(mine, apply_temperature(p4, T), atol=1e-6) else f"다름: {show(mine)}"
    except ZeroDivisionError as error:
        verdict = f"ZeroDivisionError: {error}"
    print(f"T = {T}: {verdict}")

# %% [markdown]
# <details><summary>풀이</summary>
#
# 패키지처럼 로그로 계산합니다. 다시 정규화한 $p^{1/T}$는 `softmax(log p / T)`이고, `torch.softmax`는 지수를
# 취하기 전에 가장 큰 값을 빼므로 `0 / 0`으로 언더플로하는 일이 없습니다. $T = 0$은 극한이므로 모든 확률을 가장
# 큰 값에 몰아 줍니다:
#
# ```python
# def my_tempered(probs, temperature):
#     if temperature == 0:
#         return torch.nn.functional.one_hot(probs.argmax(), len(probs)).float()
#     return torch.softmax(torch.log(probs) / temperature, dim=-1)
# ```
#
# </details>
#
# **4. 예측하고 실행하기: 180은 언제 99%를 가져갈까요?** "preheat the oven to" 다음에서 180과 350의 확률 비는
# $T = 1$에서 1.380입니다. 다른 단어를 무시하면, 온도가 얼마보다 낮아야 180이 0.99 이상을 차지할까요? 4.4절의
# 규칙으로 계산해 본 뒤 셀을 실행하세요.

# %%
for T in [0.1, 0.09, 0.08, 0.07, 0.06]:
    print(f"T = {T}: p(180) = {next_token_probs(logits, T)[gen.token2idx['180']]:.4f}")

# %% [markdown]
# <details><summary>풀이</summary>
#
# 180은 350의 약 99배 확률이 필요하고, 온도 $T$에서 두 확률의 비는 $1.380^{1/T}$이므로
# $1/T \ge \ln 99 / \ln 1.380 = 4.595 / 0.322 \approx 14.3$, 즉 $T \le 0.07$입니다. 셀도 같은 답을 냅니다.
# p(180)은 $T = 0.1$에서 0.9615, $T = 0.07$에서 0.9900이며, 이는 $T = 1$보다 14배 낮은 온도입니다.
#
# </details>
#
# **5. 어느 단어가 뜻밖이었을까요?** 4.7절의 `info` 리스트에는 블로그 글의 `generate`가 단어를 뽑을 때 쓴 모든
# 분포가 남아 있습니다. $T = 1$ 텍스트(시드 0)에서 뽑힐 때 확률이 가장 작았던 세 단어는 무엇이고, 그 확률은
# 얼마나 작았을까요? $i$단계에서 뽑힌 단어는 $i + 1$단계 프롬프트의 마지막 단어입니다. 먼저 텍스트만 보고
# 짐작해 본 뒤("lobster"가 그중 하나일까요?) 셀을 실행하세요.

# %%
info = blog_gen.generate(start, max_tokens=60, temperature=1.0, seed=0, verbose=False)
drawn = [step["prompt"].split()[-1] for step in info[1:]]
picked_probs = [float(step["word_probs"][blog_gen.token2idx[word]]) for step, word in zip(info, drawn)]
for i in sorted(range(len(drawn)), key=picked_probs.__getitem__)[:3]:
    print(f"{i:>2}단계: {drawn[i]!r}의 p = {picked_probs[i]:.5f} ({1 / picked_probs[i]:,.0f}번에 한 번), "
          f"앞 문맥 '...{info[i]['prompt'][-30:]}'")
print(f"뽑힌 단어 확률의 중앙값: {np.median(picked_probs):.3f}")

# %% [markdown]
# <details><summary>풀이</summary>
#
# "lobster"가 가장 뜻밖입니다. "shake the dough in a" 다음에서 $p = 0.00004$, 25,663번에 한 번꼴입니다. 그다음은
# "shake"(0.00047, 2,111번에 한 번)와 "whisking"(0.00324, 308번에 한 번)이고, 뽑힌 단어 확률의 중앙값은
# 0.121이었습니다. 수천 개의 꼬리 단어 하나하나는 가능성이 낮지만, 모두 합치면 $T = 1$에서 45 토큰짜리 텍스트를
# 쓰는 동안 몇 개는 뽑힐 만큼의 확률을 가집니다. top-k와 top-p(4.8절)가 잘라 내는 것이 바로 이 꼬리입니다.
#
# </details>
