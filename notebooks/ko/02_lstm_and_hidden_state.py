# %% [markdown]
# # 2. LSTM과 은닉 상태
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/ko/02_lstm_and_hidden_state.ipynb)
#
# 블로그 글의 `LSTMLM`을 한 줄씩 풀어 보고, 패키지의 클래스와 같은 결과를 내는지 확인합니다.
# 이어서 `nn.LSTM`이 무엇을 받고 무엇을 돌려주는지(`batch_first`, 상태 `(h_n, c_n)`) 살펴보고,
# LSTM의 한 스텝을 수식으로, 그림으로, 그리고 직접 짠 코드로 따라가 봅니다. 그다음 평범한 RNN이
# 아니라 왜 LSTM인지, 훈련된 모델이 얼마나 먼 과거까지 기억하는지, 상태를 넘겨 주면 왜 생성이
# 빨라지는지를 알아봅니다.

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
# 이 노트북에서 쓰는 사전 훈련된 모델(pretrained model)은 패키지에 들어 있는 모델(`pretrained_model`)입니다.
# 책의 구조(100차원 단어 벡터, 은닉 유닛 128개)를 이 강좌의 레시피(recipe)로 훈련한 것입니다(훈련 방법은
# 노트북 5에서 다룹니다). 텐서가 작으므로 `device`가 무엇이든 모든 계산은 CPU에서 합니다.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

import lstm_tutorial
from lstm_tutorial import TextGenerator, load_recipes, pretrained_model
from lstm_tutorial.language import set_language

model, vocab, checkpoint = pretrained_model("book", "cpu")
texts = load_recipes(verbose=False)  # 모델을 훈련한 말뭉치
heldout = load_recipes("heldout", verbose=False)  # 모델이 한 번도 보지 못한 실제 레시피 177개
print(model)
print(f"어휘: 단어 {len(vocab):,}개 | 훈련 명령: {checkpoint['command']!r}")
set_language("ko")  # 패널과 차트를 한국어로 (한글 글꼴 포함)

# %% [markdown]
# ## 2.1 블로그 글의 `LSTMLM`, 한 줄씩
#
# 아래는 블로그 글에 실린 모델 클래스를 주석까지 그대로 옮긴 것입니다. 이 클래스의 `init_hidden`은
# 블로그 글의 첫 셀에서 정의한 전역 변수 `device`를 읽으므로, 클래스 바로 위에서 이 변수를 CPU로 정해
# 둡니다. 이제부터 `LSTMLM`은 블로그 글의 클래스를, `lstm_tutorial.LSTMLM`은 패키지의 클래스를
# 가리킵니다.

# %%
device = torch.device("cpu")  # 블로그 글의 init_hidden이 읽는 전역 변수


# LSTM 모델 정의
class LSTMLM(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, dropout_rate=0.1):
        super(LSTMLM, self).__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(
            input_size=embedding_dim,
            hidden_size=hidden_dim,
            batch_first=True
        )
        self.dropout = nn.Dropout(dropout_rate)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x, hidden=None):
        # 임베딩 레이어
        embedded = self.embedding(x)  # [batch_size, seq_len, embedding_dim]

        # LSTM 레이어
        if hidden is None:
            output, hidden = self.lstm(embedded)
        else:
            output, hidden = self.lstm(embedded, hidden)

        # 드롭아웃 적용
        output = self.dropout(output)

        # 선형 레이어 (각 시퀀스 위치에서 다음 토큰 예측)
        logits = self.fc(output)  # [batch_size, seq_len, vocab_size]

        return logits, hidden

    def init_hidden(self, batch_size):
        # 히든 스테이트 초기화 (옵션)
        h0 = torch.zeros(1, batch_size, self.lstm.hidden_size).to(device)
        c0 = torch.zeros(1, batch_size, self.lstm.hidden_size).to(device)
        return (h0, c0)


# %% [markdown]
# 각 줄이 하는 일은 다음과 같습니다. 크기는 책의 것(어휘(vocabulary) 8,203단어, 100차원 단어 벡터,
# 은닉 유닛 128개)이고, `B`는 배치(batch) 크기, `S`는 시퀀스 길이입니다.
#
# | 줄 | 하는 일 |
# |---|---|
# | `class LSTMLM(nn.Module):` | PyTorch 모듈입니다. `self`에 할당한 층은 모두 등록되므로, 그 가중치가 `model.parameters()`(옵티마이저(optimizer)가 훈련하는 것)와 `model.state_dict()`(체크포인트(checkpoint)에 저장되는 것)에 들어갑니다 |
# | `super(LSTMLM, self).__init__()` | `nn.Module`의 초기화를 먼저 실행합니다. 이 줄이 없으면 `self`에 층을 할당할 때 오류가 납니다 |
# | `self.embedding = nn.Embedding(vocab_size, embedding_dim)` | 노트북 1의 조회 테이블(lookup table)입니다. 가중치 행렬 `[8203, 100]`의 `i`번째 행이 단어 `i`의 벡터입니다 |
# | `self.lstm = nn.LSTM(input_size=embedding_dim, hidden_size=hidden_dim, batch_first=True)` | LSTM 층 하나입니다. 수 100개로 된 벡터를 읽고, 수 128개를 상태로 간직합니다. 텐서는 `[B, S, 특징]` 순서입니다(2.2절) |
# | `self.dropout = nn.Dropout(dropout_rate)` | 드롭아웃(dropout): 훈련 중에 LSTM 출력의 10%를 무작위로 골라 0으로 만듭니다(2.3절) |
# | `self.fc = nn.Linear(hidden_dim, vocab_size)` | "fully connected"(완전 연결): 수 128개로 된 출력 하나하나를 단어마다 하나씩, 점수 8,203개로 바꿉니다 |
# | `def forward(self, x, hidden=None):` | `model(x)`나 `model(x, hidden)`이 실행하는 메서드입니다. `x`는 단어 id `[B, S]`입니다 |
# | `embedded = self.embedding(x)` | id를 벡터로 바꿉니다: `[B, S]`에서 `[B, S, 100]`으로 |
# | `if hidden is None: ... else: ...` | 0에서, 또는 주어진 상태 `(h, c)`에서 시작해 시퀀스 전체에 LSTM을 돌립니다. `output`(`[B, S, 128]`)은 모든 위치에서의 출력이고, `hidden`은 마지막 위치 다음의 상태입니다(2.7절). `nn.LSTM`은 `None`을 0으로 취급하므로 사실 한 줄이면 됩니다 |
# | `output = self.dropout(output)` | 출력에 드롭아웃을 적용합니다(`model.train()`일 때만) |
# | `logits = self.fc(output)` | `[B, S, 8203]`: 모든 위치에서, 각 단어가 다음 단어일 것에 대한 날것의 점수(**로짓**, logit)입니다. 소프트맥스(softmax)가 이것을 확률로 바꿉니다(노트북 3) |
# | `return logits, hidden` | 점수와 상태 `(h_n, c_n)`을 돌려줍니다. 상태는 각각 `[1, B, 128]`입니다 |
# | `def init_hidden(self, batch_size):` | 0으로 채운 상태, 곧 `[1, B, 128]` 두 개입니다(1은 LSTM 층의 수). `.to(device)`는 모델이 있는 장치가 아니라 전역 변수 `device`를 씁니다. 패키지의 `init_hidden`은 모델 가중치가 있는 장치를 따릅니다 |
#
# 패키지의 `lstm_tutorial.LSTMLM`에도 같은 이름의 층 네 개가 있습니다(가중치가 없는 `embedding_dropout`이
# 하나 더 있지만, 책의 모델에서는 꺼져 있습니다). 그러므로 블로그 글의 클래스는 패키지 모델의 가중치를
# 그대로 불러올 수 있고, 불러온 뒤에는 같은 로짓과 같은 상태를 내야 합니다. 사전 훈련된 가중치를 옮겨
# 담고(`state_dict`는 파라미터마다 이름과 텐서를 짝지어 둡니다), 레시피 32개의 처음 40단어로 비교해
# 봅니다.

# %%
blog_model = LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128)
blog_model.load_state_dict(model.state_dict())
blog_model.eval()  # 드롭아웃 끔: 2.3절 참고

for name, tensor in blog_model.state_dict().items():
    print(f"{name:18} {str(list(tensor.shape)):12} {tensor.numel():>9,}개")
print(f"{'total':18} {'':12} {sum(p.numel() for p in blog_model.parameters()):>9,}")

x = torch.tensor([vocab.encode(text)[:40] for text in texts[:32]])  # [레시피 32개, 40단어]
with torch.no_grad():
    blog_logits, (blog_h, blog_c) = blog_model(x)
    package_logits, (package_h, package_c) = model(x)
torch.testing.assert_close(blog_logits, package_logits)
torch.testing.assert_close(blog_h, package_h)
torch.testing.assert_close(blog_c, package_c)
print("블로그 글의 클래스와 lstm_tutorial.LSTMLM의 로짓이 같습니다", tuple(blog_logits.shape),
      "| (h, c)도 같습니다", tuple(blog_h.shape))

# %% [markdown]
# 수의 대부분은 완전 연결 층에 있고, LSTM에는 117,760개뿐입니다. 패키지의 클래스에는 강좌의 나머지
# 부분에 필요한 것이 더 들어 있습니다. `features`(`fc` 앞까지의 계산 전부로, 노트북 5에서 손실을 더
# 빨리 계산하는 데 씁니다), `step`(넘겨받은 상태에서 단어 하나를 처리합니다, 2.10절), `num_layers`,
# 그리고 인수 검사입니다.

# %% [markdown]
# ## 2.2 형태와 `batch_first`
#
# 배치 `x`(`[batch, seq]` = `[32, 40]`)가 층을 지나가는 모습을 따라가 봅니다. LSTM은 모든 위치에서의
# 은닉 상태(hidden state) 벡터인 `output`과, 마지막 위치 다음의 상태를 돌려줍니다. 상태 가운데
# `h_n`은 단기 출력이고, `c_n`은 장기 기억을 담는 셀 상태(cell state)입니다(2.4절).

# %%
with torch.no_grad():
    embedded = model.embedding(x)
    output, (h_n, c_n) = model.lstm(embedded)
for name, tensor in [("x", x), ("embedded", embedded), ("output", output), ("h_n", h_n), ("c_n", c_n)]:
    print(f"{name:9} {tuple(tensor.shape)}")

torch.testing.assert_close(h_n[0], output[:, -1])  # h_n은 마지막 위치의 출력

# %% [markdown]
# `output`이 배치 우선(batch-first)인 것은 `LSTMLM`이 LSTM을 `batch_first=True`로 만들기 때문입니다.
# `h_n`과 `c_n`은 그렇지 않습니다. 이 둘은 언제나 `[num_layers, batch, hidden]`입니다.
#
# PyTorch의 기본값 `batch_first=False`는 `[seq, batch, features]`를 기대합니다. 같은 가중치에 전치한
# 입력을 넣으면 같은 결과가 나옵니다. 위험한 것은 배치 우선 텐서를 기본 설정의 LSTM에 넣는
# 경우입니다. 오류 하나 없이, 레시피 32개를 시간 스텝 32개로 조용히 읽어 버립니다.

# %%
default_lstm = nn.LSTM(input_size=100, hidden_size=128)  # batch_first=False
default_lstm.load_state_dict(model.lstm.state_dict())

with torch.no_grad():
    seq_first = embedded.transpose(0, 1)  # [seq, batch, features]
    output_seq_first, _ = default_lstm(seq_first)
    print("seq-first 입력", tuple(seq_first.shape), "-> 출력", tuple(output_seq_first.shape))
    torch.testing.assert_close(output_seq_first.transpose(0, 1), output)

    wrong, _ = default_lstm(embedded)  # 실행은 되지만, 배치를 시간으로 취급합니다
print("batch-first 텐서를 기본 LSTM에 넣으면: 출력", tuple(wrong.shape), "(오류 없음)")
assert not torch.allclose(wrong, output)

# %% [markdown]
# ## 2.3 드롭아웃: 훈련 중에만
#
# 드롭아웃은 LSTM 출력 가운데 무작위로 고른 일부를 0으로 만들고, 평균이 그대로 유지되도록 나머지 값을
# 키웁니다. 모델의 비율은 블로그 글의 기본값인 `dropout_rate=0.1`입니다. 값의 10%가 0이 되고 나머지는
# 0.9로 나뉩니다(블로그 글의 설명에 나오는 0.3이라면 30%와 0.7입니다). 드롭아웃은 `model.train()`에서만
# 켜집니다. `model.eval()`(블로그 글의 `PyTorchTextGenerator`와 `evaluate`가 호출합니다)에서는 아무
# 일도 하지 않으므로, 출력이 매번 같습니다.

# %%
rate = model.dropout.p
print("모델의 드롭아웃 비율:", rate, "| 훈련 때의 비율:", checkpoint["config"]["dropout_rate"])
torch.manual_seed(0)
for p_drop in [rate, 0.3]:
    dropped = nn.Dropout(p_drop).train()(torch.ones(10_000))
    print(f"훈련, 비율 {p_drop}: 값의 {(dropped == 0).float().mean():.3f}이(가) 0, "
          f"나머지는 {dropped.max():.4f} = 1 / {1 - p_drop:g}, 평균 {dropped.mean():.3f}")
print("eval:", torch.equal(nn.Dropout(rate).eval()(torch.ones(10_000)), torch.ones(10_000)), "(아무것도 바뀌지 않음)")

model.train()
torch.manual_seed(0)
with torch.no_grad():
    print("model.train(): 두 번 계산한 결과가 같은가?", torch.equal(model(x)[0], model(x)[0]))
model.eval()
with torch.no_grad():
    print("model.eval():  두 번 계산한 결과가 같은가?", torch.equal(model(x)[0], model(x)[0]))

# %% [markdown]
# ## 2.4 LSTM의 한 스텝
#
# 각 위치 `t`에서 LSTM은 단어 벡터 $x_t$ 하나와 자신의 이전 출력 $h_{t-1}$을 읽고, 수 128개로 된
# 벡터 두 개를 갱신합니다. 하나는 **셀 상태** $c$(장기 기억)이고, 다른 하나는 **은닉 상태** $h$(출력으로,
# 선형 층이 이것을 점수로 바꿉니다)입니다. 어떻게 갱신할지는 각각 수 128개로 된 **게이트**(gate) 네
# 개가 정합니다.
#
# $$
# \begin{aligned}
# i_t &= \sigma\left(x_t W_{ii}^\top + b_{ii} + h_{t-1} W_{hi}^\top + b_{hi}\right) && \text{입력 게이트: 얼마나 쓸지} \\
# f_t &= \sigma\left(x_t W_{if}^\top + b_{if} + h_{t-1} W_{hf}^\top + b_{hf}\right) && \text{망각 게이트: } c_{t-1} \text{을 얼마나 남길지} \\
# g_t &= \tanh\left(x_t W_{ig}^\top + b_{ig} + h_{t-1} W_{hg}^\top + b_{hg}\right) && \text{후보: 무엇을 쓸지} \\
# o_t &= \sigma\left(x_t W_{io}^\top + b_{io} + h_{t-1} W_{ho}^\top + b_{ho}\right) && \text{출력 게이트: 얼마나 내보일지} \\
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t && \text{기억의 일부를 남기고, 새것의 일부를 씀} \\
# h_t &= o_t \odot \tanh(c_t) && \text{출력}
# \end{aligned}
# $$
#
# 시그모이드 $\sigma(z) = 1 / (1 + e^{-z})$는 0과 1 사이의 값이므로, $f$, $i$, $o$는 "하나도 안"에서
# "전부"까지 돌리는 다이얼입니다. $\tanh$는 -1과 1 사이이고, $\odot$은 원소별 곱셈입니다. 텍스트 `B`개로
# 된 배치에서 각 텐서의 형태는 다음과 같습니다.
#
# | 텐서 | 형태 | PyTorch에서 |
# |---|---|---|
# | $x_t$ | `[B, 100]` | `embedded[:, t]` |
# | $h_{t-1}$, $c_{t-1}$, $h_t$, $c_t$ | 각각 `[B, 128]` | 마지막 스텝 뒤의 `h_n[0]`, `c_n[0]` |
# | $W_{ii}, W_{if}, W_{ig}, W_{io}$ | 각각 `[128, 100]`, 쌓아서 $W_{ih}$: `[4*128, 100]` = `[512, 100]` | `lstm.weight_ih_l0` |
# | $W_{hi}, W_{hf}, W_{hg}, W_{ho}$ | 각각 `[128, 128]`, 쌓아서 $W_{hh}$: `[4*128, 128]` = `[512, 128]` | `lstm.weight_hh_l0` |
# | $b_{ii}, \dots$ 와 $b_{hi}, \dots$ | 각각 `[128]`, 쌓아서 $b_{ih}$와 $b_{hh}$: 각각 `[512]` | `lstm.bias_ih_l0`, `lstm.bias_hh_l0` |
# | $i_t, f_t, g_t, o_t$ | 각각 `[B, 128]` | `[B, 512]`로 한꺼번에 계산한 뒤 넷으로 자름 |
#
# PyTorch는 게이트의 가중치를 i, f, g, o 순서로 쌓아 두므로, 네 게이트가 모두 행렬 곱 두 번으로
# 나옵니다. $x_t W_{ih}^\top$(`[B, 100] @ [100, 512]`)에 $h_{t-1} W_{hh}^\top$(`[B, 128] @ [128, 512]`)과
# 두 편향을 더하면 `[B, 512]`가 되고, 이것을 `[B, 128]` 네 조각으로 자릅니다. 아래 그림은
# `lstm_tutorial.diagrams.draw_lstm_step`이 그리며, 그림 속 글은 영어입니다(cut into 4: 넷으로 자름,
# to the next step: 다음 스텝으로, element by element: 원소별). 셀 상태는 위쪽을 따라 흐르고, $f$를
# 곱하고 $i \odot g$를 더하는 것 말고는 아무것도 거치지 않습니다. 게이트는 그 아래에 있습니다.

# %%
from lstm_tutorial.diagrams import draw_lstm_step

draw_lstm_step(input_size=100, hidden_size=128)
plt.show()

# %% [markdown]
# 아래 함수는 이 그림을 그대로 코드로 옮긴 것으로, `model.lstm`의 가중치로 한 스텝을 계산합니다.
# 배치의 40개 위치를 따라 차례로 돌리면, 모든 위치에서 `nn.LSTM`과 같은 값이 나와야 합니다.

# %%
def lstm_step(x_t, h, c, lstm):
    """한 층짜리 nn.LSTM의 한 스텝: x_t는 [batch, input], h와 c는 [batch, hidden]."""
    gates = x_t @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + h @ lstm.weight_hh_l0.T + lstm.bias_hh_l0  # [batch, 512]
    i, f, g, o = gates.chunk(4, dim=-1)  # 각각 [batch, hidden]
    i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
    g = torch.tanh(g)
    c = f * c + i * g  # 옛 기억의 일부를 남기고, 새것의 일부를 씀
    h = o * torch.tanh(c)  # 기억의 일부를 내보임
    return h, c, (i, f, g, o)


print("weight_ih_l0", tuple(model.lstm.weight_ih_l0.shape), "= [게이트 4개 x 128, 100]")
print("weight_hh_l0", tuple(model.lstm.weight_hh_l0.shape), "= [게이트 4개 x 128, 128]")

with torch.no_grad():
    h, c = model.init_hidden(32)
    h, c = h[0], c[0]  # 층 차원을 없앰: [32, 128]
    outputs = []
    for t in range(x.shape[1]):
        h, c, _ = lstm_step(embedded[:, t], h, c, model.lstm)
        outputs.append(h)
    by_hand = torch.stack(outputs, dim=1)  # [batch, seq, hidden]

    torch.testing.assert_close(by_hand, output)  # 모든 위치에서
    torch.testing.assert_close(h, h_n[0])
    torch.testing.assert_close(c, c_n[0])
print("직접 짠 스텝이 nn.LSTM과 같습니다: 위치", x.shape[1], "곳 모두에서")

# %% [markdown]
# ## 2.5 훈련된 모델의 게이트와 셀 상태
#
# `lstm_step`이 있으면 사전 훈련된 모델이 레시피를 읽는 동안 모든 게이트를 기록할 수 있습니다. 아래는
# 바나나 브레드 레시피의 처음 16단어에서 은닉 유닛 0~23의 망각(forget), 입력(input), 출력(output)
# 게이트(0에서 1 사이)와 셀 상태 $c$입니다. 셀 상태는 부호도 크기도 제한이 없습니다. 눌러 담기는 것은
# $h = o \odot \tanh(c)$뿐입니다.

# %%
def trace_lstm(token_ids, model):
    """lstm_step으로 텍스트 하나에 model.lstm을 돌립니다. f, i, o, c를 각각 [words, hidden]으로 돌려줍니다."""
    with torch.no_grad():
        vectors = model.embedding(torch.tensor(token_ids))
        h = c = torch.zeros(model.lstm.hidden_size)
        trace = {"f": [], "i": [], "o": [], "c": []}
        for vector in vectors:
            h, c, (i, f, g, o) = lstm_step(vector, h, c, model.lstm)
            for name, value in [("f", f), ("i", i), ("o", o), ("c", c)]:
                trace[name].append(value)
    return {name: torch.stack(values) for name, values in trace.items()}


banana_bread = next(text for text in texts if text.startswith("Recipe for Banana Bread"))
print(banana_bread[:120], "...")
banana_ids = vocab.encode(banana_bread)
trace = trace_lstm(banana_ids, model)

n_words, n_units = 16, 24
words = [vocab.idx2token[i] for i in banana_ids[:n_words]]
c_shown = trace["c"][:n_words, :n_units]
c_limit = float(c_shown.abs().max())
fig, axes = plt.subplots(1, 4, figsize=(16, 4.5), sharey=True)
for ax, (name, title) in zip(axes, [("f", "망각 게이트 f"), ("i", "입력 게이트 i"), ("o", "출력 게이트 o"),
                                    ("c", "셀 상태 c")]):
    values = trace[name][:n_words, :n_units]
    if name == "c":
        image = ax.imshow(values.T, vmin=-c_limit, vmax=c_limit, cmap="RdBu_r", aspect="auto")
    else:
        gate_image = ax.imshow(values.T, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.set_xticks(range(n_words), words, rotation=90)
    ax.set_title(title)
axes[0].set_ylabel("은닉 유닛")
fig.colorbar(gate_image, ax=axes[:3], fraction=0.02, label="게이트 값")
fig.colorbar(image, ax=axes[3], label="c")
plt.show()

# %% [markdown]
# 훈련이 게이트를 어떻게 바꿨는지 보려면, 레시피 전체에 걸친 망각 게이트를 같은 크기의 훈련 전
# `nn.LSTM`이 같은 단어 벡터를 읽을 때의 망각 게이트와 비교해 봅니다.

# %%
torch.manual_seed(0)
untrained = lstm_tutorial.LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128)
untrained.embedding.load_state_dict(model.embedding.state_dict())  # 단어 벡터는 같고, LSTM만 훈련 전
untrained_trace = trace_lstm(banana_ids, untrained)
for label, f in [("사전 훈련", trace["f"]), ("훈련 전", untrained_trace["f"])]:
    print(f"{label:10}: 망각 게이트 평균 {f.mean():.2f}, 0.9보다 큰 비율: {(f > 0.9).float().mean():.0%}, "
          f"0.1보다 작은 비율: {(f < 0.1).float().mean():.0%}")
print(f"사전 훈련: 셀 상태의 범위 {trace['c'].min():.1f} ~ {trace['c'].max():.1f} "
      f"(단어 {len(banana_ids)}개 동안)")

# %% [markdown]
# 훈련된 모델에서는 대부분의 망각 게이트가 1 근처(노란색)에 있습니다. 대부분의 유닛이 단어에서 단어로
# 넘어가며 기억의 대부분을 간직하고, 몇몇 유닛은 어떤 단어에서 0 근처로 떨어져 기억을 초기화합니다.
# 훈련 전 LSTM의 게이트는 모두 0.5 근처에 있습니다. 단어마다 기억을 절반씩 잃는 셈입니다. 셀 상태는
# 어떤 유닛에서 ±1을 훌쩍 넘습니다. 아무것도 셀 상태를 눌러 담지 않으므로, 값 하나를 여러 단어에 걸쳐
# 나를 수 있습니다. 무언가를 추적하는 유닛은 노트북 7에서 찾아봅니다.

# %% [markdown]
# ## 2.6 왜 LSTM인가: 평범한 RNN의 기울기 소실
#
# 평범한 순환 신경망(`nn.RNN`)에는 갱신식 하나만 있고 셀 상태가 없습니다:
# $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$. 훈련하려면 먼 과거 단어에
# 대한 손실(loss)의 기울기(gradient)가 필요합니다. 한 단어 거슬러 올라갈 때마다 이 기울기에 $W_{hh}$와
# tanh의 기울기(1 이하)가 곱해집니다. 그 인수들이 1보다 작으면, 많은 단어를 거치는 동안 기울기는
# 기하급수적으로 줄어듭니다. 이것이 **기울기 소실**(vanishing gradient)입니다. LSTM의 셀 상태에는
# 행렬이 끼어 있지 않은 경로가 있습니다. 이 경로를 따라 한 단어 거슬러 올라가면 기울기에는 $f$만
# 원소별로 곱해지므로, 망각 게이트가 1에 가까운 곳에서는 기울기가 거의 그대로 전해집니다.
#
# 직접 재 봅니다. 같은 단어 벡터(처음 보는 레시피 32개의 처음 60단어)를 같은 크기의 훈련 전 `nn.RNN`과
# `nn.LSTM`, 그리고 사전 훈련된 LSTM에 넣습니다. 손실은 61번째 단어의 교차 엔트로피(cross-entropy, 정답 단어의 $-\log p$, 노트북 3)이고,
# 예측은 사전 훈련된 `fc`로 합니다. 각 입력 단어 벡터에 대한 기울기의 노름을 마지막 단어의 것으로 나누어
# 그래프로 그립니다.

# %%
def gradient_by_distance(recurrent, inputs, targets, head):
    """마지막 위치의 손실을 위치 t의 입력으로 미분한 값의 노름. 배치 평균이며 마지막 t의 값에 대한 비율입니다.

    결과의 d번째 값은 마지막 단어보다 d단어 앞의 값입니다."""
    inputs = inputs.detach().clone().requires_grad_(True)
    out, _ = recurrent(inputs)
    loss = nn.functional.cross_entropy(head(out[:, -1]), targets)
    loss.backward()
    norms = inputs.grad.norm(dim=-1).mean(dim=0)  # [seq]
    return (norms / norms[-1]).flip(0).detach()


T = 60
rows = torch.tensor([ids[: T + 1] for ids in map(vocab.encode, heldout) if len(ids) > T][:32])
word_vectors, next_words = model.embedding(rows[:, :T]).detach(), rows[:, T]

torch.manual_seed(0)
rnn = nn.RNN(100, 128, batch_first=True)
untrained_lstm = nn.LSTM(100, 128, batch_first=True)
profiles = {
    "nn.RNN (훈련 전)": gradient_by_distance(rnn, word_vectors, next_words, model.fc),
    "nn.LSTM (훈련 전)": gradient_by_distance(untrained_lstm, word_vectors, next_words, model.fc),
    "사전 훈련된 LSTM": gradient_by_distance(model.lstm, word_vectors, next_words, model.fc),
}
for name, profile in profiles.items():
    shrink = float(profile[20]) ** (1 / 20)
    print(f"{name:20} 상대 기울기: 10단어 전 {profile[10]:.1e}, 20단어 전 {profile[20]:.1e}, "
          f"40단어 전 {profile[40]:.1e} (마지막 20단어 동안 단어마다 x{shrink:.2f})")

for name, profile in profiles.items():
    plt.semilogy(profile, label=name)
plt.xlabel("마지막 단어보다 몇 단어 앞인가")
plt.ylabel("기울기 노름 / 마지막 단어의 기울기 노름")
plt.title("60번째 단어의 손실이 앞선 단어 각각을 얼마나 느끼는가")
plt.legend()
plt.show()

# %% [markdown]
# 평범한 RNN의 기울기는 단어마다 대략 절반으로 줄어듭니다. 20단어 전에서는 마지막 단어의 약
# $2 \cdot 10^{-7}$배, 40단어 전에서는 약 $5 \cdot 10^{-14}$배입니다. 훈련 전 LSTM도 크게 낫지 않습니다.
# 망각 게이트가 0.5 근처에서 시작하기 때문입니다(2.5절). 훈련된 LSTM은 1에 가까운 망각 게이트를 배웠고,
# 40단어 전에서도 기울기가 마지막 단어의 약 1%입니다. 배우기에 충분한 크기입니다. 이것이 셀 상태와
# 게이트가 있는 이유입니다(연습 문제 3에서는 훈련 없이 같은 효과를 얻습니다).

# %% [markdown]
# ## 2.7 상태 `(h_n, c_n)`과 `init_hidden`
#
# `init_hidden(batch_size)`는 각각 `[1, batch, hidden]`인 0 상태를 돌려줍니다. 이것을 넘기는 것은
# 아무것도 넘기지 않는 것과 같습니다. 블로그 글의 예시는 `init_hidden(32)`에서 시작해
# `output, hidden = model(next_batch, hidden)`으로 한 배치의 상태를 다음 배치로 넘깁니다.
# `next_batch`가 같은 텍스트 32개의 뒷부분이라면, 이렇게 얻은 결과는 텍스트 전체를 한 번에 처리한
# 결과와 정확히 같습니다. 상태는 LSTM이 지금까지 읽은 것에 대해 기억하는 전부이기 때문입니다. 블로그
# 글의 코드를 블로그 글의 클래스로, 40단어 중 앞 20단어와 뒤 20단어에 돌려 봅니다.

# %%
input_batch, next_batch = x[:, :20], x[:, 20:]
with torch.no_grad():
    hidden = blog_model.init_hidden(32)
    print("h0", tuple(hidden[0].shape), "c0", tuple(hidden[1].shape), "모두 0:", bool((hidden[0] == 0).all()))
    torch.testing.assert_close(blog_model(x, hidden)[0], blog_model(x)[0])  # 0 상태 == 아무것도 안 넘김

    output_1, hidden = blog_model(input_batch, hidden)  # 첫 배치
    output_2, hidden = blog_model(next_batch, hidden)  # 다음 배치, 상태를 이어받음
    whole, whole_hidden = blog_model(x)

torch.testing.assert_close(torch.cat([output_1, output_2], dim=1), whole)
torch.testing.assert_close(hidden, whole_hidden)
print("상태를 넘기며 두 배치로 나눠 처리 == 40단어 전체를 한 번에 처리")

# %% [markdown]
# 블로그 글은 배치마다 0에서 시작해 훈련합니다. 각 행이 레시피 하나 전체이므로 넘길 것이 없습니다.
# 상태를 넘기는 일은 생성(2.10절)에서, 그리고 텍스트를 조각으로 잘라 훈련할 때 중요해집니다.
#
# ## 2.8 상태를 넘기며 훈련하기: `.detach()`
#
# 훈련하는 또 다른 방법은 말뭉치(corpus)를 하나의 긴 흐름으로 읽는 것입니다. 레시피를 끝과 끝을 이어
# 붙이고, `B`개의 행으로 나눈 뒤, 한 번에 35단어씩 읽습니다. 각 배치의 `r`번째 행은 이전 배치의 `r`번째
# 행에서 이어지므로, 한 배치의 마지막 상태가 곧 다음 배치의 올바른 시작 상태입니다. 패키지의
# `StreamBatches`가 흐름을 이렇게 자릅니다. 처음 5개 조각(청크, 행 4개 x 35단어)과 작은
# `lstm_tutorial.LSTMLM`(16차원 단어 벡터, 은닉 유닛 32개)을 씁니다.
#
# 훈련(training)은 노트북 5에서 설명합니다. 여기서는 두 가지 사실만 있으면 됩니다. 모델이 계산하는 동안
# autograd는 각 연산을 손실에 매달린 **그래프**에 기록합니다(`loss.grad_fn`; 그 `next_functions`를 따라가면
# 앞선 연산들이 나옵니다). `loss.backward()`는 이 그래프를 거슬러 가중치까지 간 뒤 그래프를 해제하고,
# `optimizer.step()`은 가중치를 바꿉니다. 한 배치의 마지막 상태는 그 그래프의 끝에 있으므로, 그대로 넘기면
# 다음 배치의 그래프가 이 배치의 그래프에 묶입니다. `h.detach()`는 같은 수를 담되 그래프에서 떼어 낸
# 텐서를 돌려줍니다. 그래프의 노드 수와, backward가 닿는 위치의 수를 세어 봅니다(청크마다 임베딩 조회가
# 노드 하나, `EmbeddingBackward0`이며, 위치 35개를 맡습니다).

# %%
from lstm_tutorial.data import StreamBatches, encode_recipes

stream = StreamBatches(encode_recipes(texts[:100], vocab, max_len=None), batch_size=4, bptt=35)
chunks = [batch for _, batch in zip(range(5), stream)]  # 처음 5개의 (x, y) 쌍, 각각 [4, 35]
torch.testing.assert_close(chunks[1][0][:, 0], chunks[0][1][:, -1])  # 각 행은 멈춘 곳에서 이어짐


def graph_nodes(loss: torch.Tensor) -> set:
    """loss에서 backward가 거쳐 갈 모든 연산. next_functions를 따라가며 찾습니다."""
    seen, to_visit = set(), [loss.grad_fn]
    while to_visit:
        node = to_visit.pop()
        if node is not None and node not in seen:
            seen.add(node)
            to_visit.extend(earlier for earlier, _ in node.next_functions)
    return seen


def chunk_loss(model, x, y, hidden):
    """청크 하나에서 다음 단어 예측의 교차 엔트로피와, 청크 뒤의 상태."""
    logits, hidden = model(x, hidden)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1)), hidden


torch.manual_seed(0)
small = lstm_tutorial.LSTMLM(len(vocab), embedding_dim=16, hidden_dim=32)
as_is = detached = None
print("청크 | 그래프 노드 수: 그대로, 떼어 냄 | backward가 닿는 위치 수: 그대로, 떼어 냄")
for n, (x_chunk, y_chunk) in enumerate(chunks, 1):
    loss_as_is, as_is = chunk_loss(small, x_chunk, y_chunk, as_is)
    loss_detached, detached = chunk_loss(small, x_chunk, y_chunk, detached)
    detached = tuple(t.detach() for t in detached)
    nodes = [graph_nodes(loss) for loss in (loss_as_is, loss_detached)]
    positions = [35 * sum(type(node).__name__ == "EmbeddingBackward0" for node in graph) for graph in nodes]
    print(f"{n:5} | {len(nodes[0]):12} {len(nodes[1]):9} | {positions[0]:27} {positions[1]:9}")

torch.testing.assert_close(detached, as_is)  # 수는 같고, detach는 그래프만 끊습니다
print("그대로:  requires_grad", as_is[0].requires_grad, "| grad_fn", type(as_is[0].grad_fn).__name__)
print("떼어 냄: requires_grad", detached[0].requires_grad, "| grad_fn", detached[0].grad_fn)

# %% [markdown]
# 상태를 그대로 넘기면 앞선 청크의 그래프가 모두 딸려 옵니다. 청크마다 노드가 8개씩 늘고, 청크 5에서
# backward를 하면 위치 175개를 모두 거쳐 가게 됩니다. 배치가 수천 개라면 메모리(저장해 둔 활성값이 모두
# 살아 있습니다)와 backward 한 번의 일이 끝없이 늘어납니다. 떼어 내면 그래프는 매번 같은 크기이고
# backward는 청크의 첫 단어에서 멈춥니다. 그래도 상태는 앞선 내용을 계속 실어 나릅니다.
#
# 실제 훈련은 그보다 먼저 실패합니다. 상태를 떼어 내고 넘길 때, 그대로 넘길 때, 그리고 그대로 넘기면서
# `backward(retain_graph=True)`를 쓸 때(첫 번째 오류 메시지의 전문이 "Specify retain_graph=True ..."라고 권하는
# 방법입니다. 아래에는 그 앞부분만 보입니다)로 각각 훈련 스텝을 다섯 번
# 밟아 봅니다.

# %%
def train_on_chunks(detach: bool, retain_graph: bool = False) -> list[float]:
    """청크마다 SGD 스텝 한 번, 청크에서 청크로 상태를 넘깁니다. 손실 목록을 돌려줍니다."""
    torch.manual_seed(0)
    small = lstm_tutorial.LSTMLM(len(vocab), embedding_dim=16, hidden_dim=32)
    optimizer = torch.optim.SGD(small.parameters(), lr=1.0)
    hidden, losses = None, []
    for x_chunk, y_chunk in chunks:
        if detach and hidden is not None:
            hidden = tuple(t.detach() for t in hidden)
        loss, hidden = chunk_loss(small, x_chunk, y_chunk, hidden)
        optimizer.zero_grad()
        loss.backward(retain_graph=retain_graph)
        optimizer.step()
        losses.append(round(loss.item(), 3))
    return losses


print("떼어 냄: 손실", train_on_chunks(detach=True))
for retain_graph in [False, True]:
    try:
        train_on_chunks(detach=False, retain_graph=retain_graph)
    except RuntimeError as error:
        print(f"그대로, retain_graph={retain_graph}: RuntimeError:", str(error).split(" (")[0].split(": [")[0])

# %% [markdown]
# 그대로 넘기면, 두 번째 backward가 첫 번째 backward에서 이미 해제된 청크 1의 그래프로 들어갑니다.
# `retain_graph=True`를 쓰면 그래프는 남지만, 청크 1의 그래프에 저장된 가중치는 그사이
# `optimizer.step()`이 제자리에서 바꿔 버렸습니다. 해법은 떼어 내기입니다. 이것이 **잘린 시간
# 역전파**(truncated BPTT)입니다. 상태는 흐름 전체를 따라 정보를 나르지만, 기울기는 최대 35단어까지만
# 거슬러 갑니다(청크의 앞쪽 단어에서는 더 짧습니다). 잃는 것은 많지 않습니다. 훈련된 모델의 40단어
# 전 기울기는 약 1%이고(2.6절), 그 기억은 수십 단어 안에 옅어집니다(2.9절).
#
# 패키지의 기본 모델이 이렇게 훈련합니다. `stream` 프리셋(preset)은 `TrainConfig(batching="stream",
# bptt=35)`로 설정되어 있고, 배치는 `StreamBatches`에서 오며,
# `lstm_tutorial.training.train_epoch(..., carry_state=True)`가 각 배치의 마지막 상태를 다음 배치로
# 넘깁니다. 떼어 내는 일은 `forward_backward`가 합니다.

# %%
from lstm_tutorial import PRESETS
from lstm_tutorial.training import forward_backward

print("stream 프리셋: batching", repr(PRESETS["stream"].batching), "| bptt", PRESETS["stream"].bptt)
loss, n_targets, state_after = forward_backward(small, *chunks[0], pad_idx=vocab.pad_idx)
print(f"forward_backward: 타깃 {n_targets}개에 대한 손실 {loss:.3f}; 돌려준 상태의 grad_fn:",
      state_after[0].grad_fn)

# %% [markdown]
# ## 2.9 훈련된 모델은 얼마나 먼 과거까지 기억하는가
#
# 단어 하나는 얼마나 오래 영향을 줄까요? 단어가 140개 이상인, 처음 보는 레시피 60개를 골라 처음
# 20단어를 바꿉니다. 다음 레시피의 처음 20단어로 바꾸거나, 아예 빼 버립니다(빼면 LSTM은 21번째
# 단어에서 0 상태로 시작합니다. 2.7절의 상태를 넘기지 않은 것과 같습니다). 그런 다음 21번째부터
# 140번째 단어 뒤의 다음 단어 분포를, 바꾸지 않은 레시피의 분포와 **총변동 거리**(total variation
# distance) $\frac{1}{2}\sum_w |p_w - q_w|$로 비교합니다. 한 분포를 다른 분포로 바꾸려면 옮겨야 하는
# 확률의 몫입니다(0이면 같고, 1이면 겹치는 데가 없습니다).

# %%
K, L = 20, 140
long_recipes = torch.tensor([ids[:L] for ids in map(vocab.encode, heldout) if len(ids) >= L])
replaced = long_recipes.clone()
replaced[:, :K] = long_recipes.roll(1, dims=0)[:, :K]  # 다음 레시피의 처음 20단어

with torch.no_grad():
    p = torch.softmax(model(long_recipes)[0][:, K:], dim=-1)  # 실제 레시피의 21~140번째 단어 뒤
    p_replaced = torch.softmax(model(replaced)[0][:, K:], dim=-1)
    p_dropped = torch.softmax(model(long_recipes[:, K:])[0], dim=-1)  # 21번째 단어에서 0 상태로 시작


def total_variation(p, q):
    return 0.5 * (p - q).abs().sum(dim=-1)


curves = {"처음 20단어를 다른 레시피의 것으로 바꿈": total_variation(p, p_replaced).mean(dim=0),
          "처음 20단어를 뺌 (0 상태)": total_variation(p, p_dropped).mean(dim=0)}
words_since = torch.arange(1, L - K + 1)  # 바꾼 뒤로 읽은 단어 수
print(f"처음 보는 레시피 {len(long_recipes)}개; 단어 n개를 더 읽은 뒤의 평균 총변동 거리:")
print("n:" + "".join(f"{n:>7}" for n in [1, 5, 10, 20, 40, 80, 120]))
for name, curve in curves.items():
    print("  " + "".join(f"{curve[n - 1]:7.3f}" for n in [1, 5, 10, 20, 40, 80, 120]), " ", name)

for name, curve in curves.items():
    plt.plot(words_since, curve, label=name)
plt.xlabel("바꾼 뒤로 읽은 단어 수")
plt.ylabel("평균 총변동 거리")
plt.title("사전 훈련된 모델: 처음 20단어가 아직 얼마나 중요한가")
plt.legend()
plt.show()

# %% [markdown]
# 바꾼 직후에는 다음 단어 분포가 크게 다릅니다(확률의 절반 넘게 옮겨 갑니다). 그 뒤로 차이가
# 옅어집니다. 10단어를 더 읽으면 약 0.2, 20단어 뒤에는 0.1 아래, 40단어 뒤에는 약 0.025, 80단어
# 뒤에는 0.01 아래입니다. 다른 레시피의 첫머리는 처음에는 아예 없는 것보다 영향이 작습니다. 그래도
# "이것은 레시피이고, 지금은 조리법 부분이다"라는 것은 알려 주기 때문입니다. 훈련된 모델은 레시피의
# 첫 단어들을 수십 단어 동안 기억합니다. 조리법의 다음 단어는 주로 마지막 한두 문장에 달려 있습니다.

# %% [markdown]
# ## 2.10 상태를 넘기며 생성하기: prefill과 step
#
# 블로그 글의 `PyTorchTextGenerator.generate`는 새 단어를 하나 만들 때마다 지금까지의 텍스트 전체를
# 모델에 넣습니다(`x = torch.tensor([tokens])`, 그리고 `logits[0, -1, :]`). n번째 단어에 LSTM 스텝이
# n번 들므로, 텍스트 하나에 드는 스텝 수는 길이의 제곱으로 늘어납니다.
#
# 그런데 텍스트 뒤의 상태 `(h, c)`는 LSTM이 그 텍스트에 대해 아는 전부입니다(2.7절). 그래서 패키지의
# `TextGenerator`는 두 부분으로 일합니다.
#
# - **prefill**(미리 채우기): 프롬프트(prompt) 전체에 모델을 한 번 돌려, 마지막 단어 뒤의 상태와 다음
#   단어의 점수를 간직합니다.
# - **step**(한 스텝): 그 점수에서 단어 하나를 뽑고, 그 단어 하나만 넘겨받은 상태와 함께 `model.step`에
#   넣습니다. 단어 하나에 LSTM 스텝 한 번입니다.

# %%
def lstm_steps_blog(prompt_length, n_words):
    return sum(prompt_length + k for k in range(n_words))  # k번째 단어는 프롬프트 + k단어를 다시 읽음


def lstm_steps_carried(prompt_length, n_words):
    return prompt_length + n_words  # 프롬프트는 한 번, 그다음 단어마다 한 스텝


for n_words in [100, 500, 1000]:
    print(f"4단어 프롬프트 뒤 {n_words:>5}단어: 블로그 방식 LSTM 스텝 {lstm_steps_blog(4, n_words):>8,}번, "
          f"상태를 넘기면 {lstm_steps_carried(4, n_words):>5,}번")

# %% [markdown]
# `prefill`은 `GenerationState`를 돌려줍니다. 한 프롬프트에서 텍스트 여러 개를 쓸 수 있도록 배치로
# 되어 있습니다. `token_ids`에는 텍스트마다 id 목록이 하나씩 있고, `next_logits`는 `[texts, vocab]`이며,
# 여기서는 0번째 행을 읽습니다. 프롬프트의 요리는 말뭉치에 레시피가 2개 있는 요리입니다(아래에서 셉니다).

# %%
print("제목에 'banana bread'가 들어간 레시피:",
      [text.split(" | ")[0] for text in texts if "banana bread" in text.split(" | ")[0].lower()])
generator = TextGenerator(model, vocab)
state = generator.prefill("recipe for banana bread")
print("token_ids:", state.token_ids, "| prompt_length:", state.prompt_length)
print("next_logits:", tuple(state.next_logits.shape), "| hidden:", [tuple(t.shape) for t in state.hidden])
top = torch.softmax(state.next_logits[0], dim=0).topk(5)
print("가장 가능성 높은 다음 단어:", [(vocab.idx2token[i], round(float(p), 3)) for p, i in zip(*top)])

# %% [markdown]
# 두 방식은 같은 다음 단어 분포를 냅니다. 아래에서는 블로그 글의 생성 스텝(함수로 옮겨 썼습니다)과 패키지의
# `prefill` / `step`을 같은 단어들에 돌립니다. `step`은 시드를 정한 난수 생성기로
# `lstm_tutorial.sampling.draw`(노트북 3)를 써서 단어를 하나씩 뽑으므로, 실행할 때마다 같은 텍스트가
# 나옵니다.

# %%
@torch.no_grad()
def blog_next_word_probs(model, tokens):
    """블로그 글의 생성 스텝: 토큰 전체를 다시 읽고, 마지막 위치의 점수를 씁니다."""
    x = torch.tensor([tokens], dtype=torch.long)
    logits, _ = model(x)
    return torch.softmax(logits[0, -1, :], dim=0)


state = generator.prefill("recipe for banana bread")
sampler = torch.Generator().manual_seed(0)
while not state.done and state.steps < 30:
    tokens_so_far = list(state.token_ids[0])
    probs = generator.step(state, generator=sampler)  # [텍스트 1개, vocab]: 단어를 뽑은 분포
    torch.testing.assert_close(probs[0], blog_next_word_probs(blog_model, tokens_so_far))
print(f"{state.steps}단어, 두 방식의 분포가 모두 같습니다:")
print(generator.text(state.token_ids[0]))

# %% [markdown]
# 상태를 넘기면 LSTM 스텝 수가 제곱에서 선형으로 바뀝니다. 그것이 몇 초의 차이인지는 노트북 8(부록)에서
# 잽니다. 노트북 4~6은 이 방식으로 생성합니다.
#
# ## 연습 문제
#
# 풀이를 펼치기 전에 먼저 풀어 보세요. 각 문제 다음 셀이 확인 코드를 실행합니다.
#
# **1. 예측한 뒤 실행하기.** `lstm_tutorial.LSTMLM(..., num_layers=2)`는 LSTM 층 두 개를 쌓습니다.
# 두 번째 층은 첫 번째 층의 출력을 읽습니다. 배치 `x`(`[32, 40]`)에 대해 로짓, `h_n`, 그리고 두 번째
# 층의 입력 가중치 `weight_ih_l1`의 형태는 무엇일까요? 블로그 글의 `init_hidden`은 이 모델에서도
# 작동할까요?
#
# <details><summary>풀이</summary>
#
# 로짓은 그대로 `[32, 40, 8203]`입니다. `fc`에 닿는 것은 마지막 층의 출력뿐이기 때문입니다. `h_n`과
# `c_n`은 층마다 행이 하나씩 생겨 `[2, 32, 128]`이 됩니다. `weight_ih_l1`은 `[512, 100]`이 아니라
# `[512, 128]`입니다. 두 번째 층의 입력은 단어 벡터가 아니라 첫 번째 층의 `h`(수 128개)이기 때문입니다.
# 블로그 글의 `init_hidden`은 `[1, batch, 128]`의 1을 코드에 박아 두었으므로, `nn.LSTM`이 그 상태를
# 거부합니다(패키지의 `init_hidden`은 `num_layers`를 씁니다).
#
# </details>

# %%
two_layers = lstm_tutorial.LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128, num_layers=2)
with torch.no_grad():
    logits_2, (h_n_2, c_n_2) = two_layers(x)
print("logits", tuple(logits_2.shape), "| h_n", tuple(h_n_2.shape), "| c_n", tuple(c_n_2.shape))
print("weight_ih_l1", tuple(two_layers.lstm.weight_ih_l1.shape))
try:
    two_layers(x, blog_model.init_hidden(32))
except RuntimeError as error:
    print("블로그 글의 init_hidden:", str(error).splitlines()[0])

# %% [markdown]
# **2. 망각 게이트를 0으로.** 사전 훈련된 모델의 복사본에서 망각 게이트의 편향을 -10,000으로 정해,
# 모든 단어에서 $f = \sigma(\dots) = 0$이 되게 합니다. 단어를 하나 읽을 때마다 셀 상태에는 무엇이
# 남을까요? 모델은 여전히 다음 단어를 그만큼 자주 맞힐까요? (확인 코드는 처음 보는 레시피 100개의
# 처음 100단어에서, 모델이 가장 가능성 높다고 본 단어가 맞은 비율을 셉니다.)
#
# <details><summary>풀이</summary>
#
# $f = 0$이면 $c_t = i_t \odot g_t$입니다. 셀에는 현재 단어가 쓴 것만 남습니다. 과거는 여전히
# $h_{t-1}$을 통해 들어오지만, 평범한 RNN처럼(2.6절) 단어마다 게이트를 거치며 눌리므로 몇 단어 안에
# 옅어집니다. 모델은 긴 기억을 쓰도록 훈련되었으므로, 맞힌 예측 가운데 약 3분의 1만 남습니다. 망각
# 게이트의 편향은 `bias_ih_l0`의 두 번째 128개 블록입니다(PyTorch의 순서는 i, f, g, o).
#
# </details>

# %%
import copy


def top1_accuracy(model, rows):
    """모델이 가장 가능성 높다고 본 다음 단어가 실제 단어인 위치의 비율."""
    with torch.no_grad():
        logits, _ = model(rows[:, :-1])
    return float((logits.argmax(dim=-1) == rows[:, 1:]).float().mean())


test_rows = torch.tensor([ids[:101] for ids in map(vocab.encode, heldout) if len(ids) >= 101][:100])
no_forget = copy.deepcopy(model)
with torch.no_grad():
    no_forget.lstm.bias_ih_l0[128:256] = -10_000.0  # 망각 게이트의 블록: f = sigmoid(...) = 0
print(f"가장 가능성 높은 단어가 맞은 비율: 사전 훈련 {top1_accuracy(model, test_rows):.1%}, "
      f"망각 게이트를 0으로 {top1_accuracy(no_forget, test_rows):.1%}")

# %% [markdown]
# **3. 바꿔 보기: 망각 게이트의 편향.** 2.6절의 훈련 전 LSTM은 RNN과 거의 같은 속도로 기울기를
# 잃었습니다. 이 LSTM의 망각 게이트 편향에 3을 더해(그러면 처음부터 $f \approx \sigma(3) \approx 0.95$)
# 40단어 전의 상대 기울기를 예측해 보세요.
#
# <details><summary>풀이</summary>
#
# 훈련 없이도 기울기가 더는 사라지지 않습니다. 40단어 전에서 기울기는 약 $10^{-9}$배가 아니라 마지막
# 단어의 약 0.4배입니다. 셀을 따라 거슬러 가는 경로에서는 단어마다 $f$가 곱해지는데,
# $0.95^{40} \approx 0.13$인 반면 $0.5^{40} \approx 10^{-12}$입니다. 많은 라이브러리가 망각 게이트의
# 편향을 1로 시작하는 이유가 이것입니다(Keras의 `unit_forget_bias`).
#
# </details>

# %%
forget_bias_3 = copy.deepcopy(untrained_lstm)
with torch.no_grad():
    forget_bias_3.bias_ih_l0[128:256] += 3.0
profile = gradient_by_distance(forget_bias_3, word_vectors, next_words, model.fc)
print(f"40단어 전의 상대 기울기: 훈련 전 LSTM {profiles['nn.LSTM (훈련 전)'][40]:.1e}, "
      f"망각 게이트 편향 + 3: {profile[40]:.2f}")
print(f"0.95 ** 40 = {0.95 ** 40:.3f}, 0.5 ** 40 = {0.5 ** 40:.1e}")

# %% [markdown]
# **4. 만들어 보기: LSTM 대신 GRU.** `nn.GRU`에는 게이트가 네 개가 아니라 세 개(reset, update, new)
# 있고, 셀 상태가 없습니다. 상태는 `h` 하나뿐입니다. 블로그 글의 `LSTMLM`에서 `nn.LSTM` 자리에
# `nn.GRU`를 넣은 `GRULM`을 책의 크기로 작성해 보세요. 순환 층의 수가 몇 개일지(LSTM은 117,760개),
# 그리고 상태와 `init_hidden`이 어떻게 바뀔지 예측해 보세요. `x`를 반씩 나눠 상태를 넘기며 처리해도
# 여전히 한 번에 처리한 것과 같은지 확인합니다.
#
# <details><summary>풀이</summary>
#
# GRU의 가중치는 `[3*128, 100]`과 `[3*128, 128]`, 그리고 384개짜리 편향 두 개로, 모두 88,320개입니다.
# 정확히 LSTM의 3/4입니다(128개 블록이 네 개가 아니라 세 개). 상태는 튜플이 아니라 텐서 하나 `h_n`
# (`[1, B, 128]`)입니다. 그래서 `init_hidden`은 0 텐서 하나를 돌려주고, 상태를 넘기며 훈련할 때도 그
# 텐서 하나만 떼어 내면 됩니다(`hidden.detach()`, 2.8절).
#
# </details>

# %%
class GRULM(nn.Module):
    """GRU를 쓰는 블로그 글의 LSTMLM: 상태는 텐서 h 하나이고, 셀 상태 c는 없습니다."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int, dropout_rate: float = 0.1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.gru = nn.GRU(embedding_dim, hidden_dim, batch_first=True)
        self.dropout = nn.Dropout(dropout_rate)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x, hidden=None):
        output, hidden = self.gru(self.embedding(x), hidden)  # hidden: h_n뿐, [1, batch, hidden]
        return self.fc(self.dropout(output)), hidden

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return torch.zeros(1, batch_size, self.gru.hidden_size, device=self.fc.weight.device)


torch.manual_seed(0)
gru_model = GRULM(len(vocab), embedding_dim=100, hidden_dim=128).eval()
for kind, layer in [("LSTM", blog_model.lstm), ("GRU", gru_model.gru)]:
    print(f"{kind:4}: 수 {sum(weights.numel() for weights in layer.parameters()):,}개,",
          ", ".join(f"{name} {list(weights.shape)}" for name, weights in layer.named_parameters()))
with torch.no_grad():
    _, gru_state = gru_model(input_batch, gru_model.init_hidden(32))
    second_half, gru_state = gru_model(next_batch, gru_state)
    torch.testing.assert_close(second_half, gru_model(x)[0][:, 20:])
print("GRU 상태:", type(gru_state).__name__, tuple(gru_state.shape), "| 반씩 나눠 상태를 넘김 == 한 번에 처리")
