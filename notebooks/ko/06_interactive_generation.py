# %% [markdown]
# # 6. 대화형 텍스트 생성
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/ko/06_interactive_generation.ipynb)
#
# 블로그 글은 훈련된 모델을 직접 다뤄 볼 수 있는 ipywidgets 패널(panel)로 끝납니다. 이 노트북에서는 먼저
# 블로그 글처럼 최소한의 패널을 만들고, 이어서 사전 훈련된 모델(the pretrained model)에 패키지의 완전한 패널을
# 띄워 코드로 조작해 봅니다. 그러면 위젯이 그려지지 않는 곳(예를 들어 GitHub)에서도 패널이 무엇을 보여
# 주는지 확인할 수 있습니다. 여기서는 아무것도 훈련(training)하지 않으며, 먼저 실행해야 할 다른 노트북도
# 없습니다.

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
import html
import math
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import HTML, display

import lstm_tutorial
from lstm_tutorial import (
    PyTorchTextGenerator,
    SamplingOptions,
    generation_panel,
    load_recipes,
    pretrained_model,
    set_language,
)

set_language("ko")  # 패널과 차트를 한국어로 (한글 글꼴 포함)

# %% [markdown]
# ## 6.1 사전 훈련된 모델
#
# 노트북 4에서처럼 책의 크기를 따른 패키지의 모델을 불러옵니다. 이 모델은 강좌의 레시피(recipe) 3,271개
# 가운데 2,617개로 훈련했고 나머지 654개로 측정했습니다. 이 모델을 블로그 글의 `PyTorchTextGenerator`로
# 감쌉니다. 여기서는 아무것도 훈련하지 않습니다. (이름 없이 부르는 더 큰 기본 모델 `pretrained_model()`이
# 더 나은 레시피를 쓰며, 연습 문제 4에서 이 모델을 패널에 넣어 봅니다.) 프롬프트(prompt)에는 말뭉치(corpus)에
# 있는 요리 이름을 씁니다:

# %%
model, vocab, checkpoint = pretrained_model("book", device)
gen = PyTorchTextGenerator(model, vocab.idx2token, vocab.token2idx, device)
print(f"어휘의 단어 {len(gen.idx2token)}개; 검증 퍼플렉서티 {math.exp(checkpoint['val_loss']):.1f}")
recipes = load_recipes(verbose=False)
for dish in ["banana bread", "pancakes"]:
    count = sum(dish in text.lower().split(" | ")[0] for text in recipes)
    assert count > 0
    print(f"{dish!r}: 말뭉치에 레시피 {count}개")

# %% [markdown]
# ## 6.2 블로그 글의 패널
#
# 블로그 글의 마지막 코드 셀은 `interactive_text_generation_colab(text_generator)`를 정의합니다. 이 함수가
# 만드는 패널은 ipywidgets, 곧 Jupyter가 컨트롤로 그려 주는 파이썬 객체들로 이루어집니다:
#
# - `widgets.Text`: 프롬프트를 입력하는 텍스트 상자입니다. `.value`가 상자에 입력된 내용입니다.
# - 최대 토큰(Max tokens)을 정하는 `widgets.IntSlider`와 온도(temperature)를 정하는 `widgets.FloatSlider`.
# - `widgets.Output`: 생성된 텍스트를 써 넣는 영역입니다.
# - `widgets.Button`: "텍스트 생성" 버튼입니다. `button.on_click(f)`를 호출해 두면, 버튼이 눌릴 때 커널이
#   `f(button)`을 호출합니다.
#
# 핸들러 `on_button_clicked`는 출력 영역을 비우고 "생성 중..."을 쓴 다음, 세 값을 넣어 `generate`를
# 호출합니다. `generate`가 돌려주는 `info` 리스트에는 뽑은 단어마다 항목이 하나씩 있고, 마지막 항목에는
# 마지막 단어 앞까지의 텍스트(`"prompt"`)와 그 단어(`"token"`, 패키지가 더한 키)가 들어 있습니다. 아래
# 함수는 블로그 글의 이름과 단계를 그대로 따르되 세 가지를 바꿨습니다. 같은 설정이면 같은 텍스트를 쓰도록
# 시드를 고정했고, `with output:` 안에서 `print`하는 대신 `output.append_stdout`을 써서 코드가
# `output.outputs`에서 텍스트를 다시 읽을 수 있게 했으며, 코드가 버튼을 누를 수 있도록 상자를 반환합니다.

# %%
def interactive_text_generation_colab(text_generator: PyTorchTextGenerator) -> widgets.VBox:
    """블로그 글의 패널: 프롬프트, 최대 토큰, 온도, 텍스트 생성 버튼과 출력 영역."""
    prompt_input = widgets.Text(value="recipe for", description="프롬프트:")
    max_tokens_slider = widgets.IntSlider(value=100, min=10, max=500, step=10, description="최대 토큰:")
    temperature_slider = widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.1, description="온도:")
    output = widgets.Output()
    generate_button = widgets.Button(description="텍스트 생성", icon="play")

    def on_button_clicked(_) -> None:
        output.outputs = ()  # 지난 텍스트를 지웁니다
        output.append_stdout("생성 중...\n")
        info = text_generator.generate(prompt_input.value, max_tokens=max_tokens_slider.value,
                                       temperature=temperature_slider.value, seed=0, verbose=False)
        output.append_stdout(f"생성된 텍스트:\n{info[-1]['prompt']} {info[-1]['token']}\n")

    generate_button.on_click(on_button_clicked)
    box = widgets.VBox([widgets.HTML("<h3>대화형 텍스트 생성기</h3>"), prompt_input, max_tokens_slider,
                        temperature_slider, generate_button, output])
    display(box)
    return box


small_panel = interactive_text_generation_colab(gen)

# %% [markdown]
# 커널이 살아 있다면 프롬프트를 입력하고 슬라이더를 움직인 뒤 **텍스트 생성**을 눌러 보세요. 코드로도 똑같이
# 할 수 있습니다. `.value`를 설정하면 컨트롤이 움직이고, `button.click()`은 버튼을 누릅니다. 아래 셀은
# "recipe for banana bread |"에서 시작해 두 온도로 토큰(token) 40개를 쓰고, 핸들러가 쓴 내용을 다시 읽습니다:

# %%
_, prompt_input, max_tokens_slider, temperature_slider, generate_button, output = small_panel.children
prompt_input.value = "recipe for banana bread |"
max_tokens_slider.value = 40
for T in [0.7, 1.5]:
    temperature_slider.value = T
    generate_button.click()
    written = "".join(entry["text"] for entry in output.outputs)
    assert written.startswith("생성 중...\n생성된 텍스트:\nrecipe for banana bread |")
    print(f"T = {T}:\n{written}")

# %% [markdown]
# 텍스트는 블로그 글이 출력하는 것처럼 토큰을 공백으로 이은 것입니다("to a boil . boil the chicken").
# $T = 0.7$에서는 디저트가 아닌 짭짤한 요리이긴 해도 조리법처럼 읽히지만, $T = 1.5$에서는 문장이 무너집니다.
# 블로그 글의 패널이 하는 일은 여기까지입니다. 패키지의 `generation_panel`(`lstm_tutorial/panel.py`)은
# 여기서 출발해 다음을 더합니다:
#
# - **한 단어**(Step) 버튼은 단어를 하나 더하고, **재생**(▶, Play)은 몇 밀리초마다 하나씩 더합니다(6.6절).
# - **다음 단어 차트**(chart)는 가장 가능성 높은 다음 단어 열 개를 보여 주며, 단어가 하나 늘 때마다, 그리고
#   슬라이더를 움직이는 동안에도 다시 그려집니다(6.4절, 6.5절).
# - **top-k**와 **top-p** 슬라이더가 있습니다(노트북 4, 6.7절).
# - **시드** 상자(비우면 무작위)가 있고, 샘플 여러 개를 한 번에 뽑을 수 있습니다.
# - 새 단어마다 **확률(probability)에 따라 음영**이 들어갑니다. 그 단어를 뽑을 때의 확률 p입니다.
# - **오류**(어휘(vocabulary)에 없는 프롬프트, 숫자가 아닌 시드)는 트레이스백 대신 패널 안에 나타납니다(6.9절).
#
# ## 6.3 패키지의 패널
#
# 아래는 블로그 글의 마지막 셀입니다. Colab에서는 `interactive_text_generation_colab`을 부르고, 그 밖에서는
# `interactive_text_generation`을 부르는데, 블로그 글은 이 두 번째 함수를 정의하지 않습니다. 패키지의 두
# 함수는 어느 Jupyter 프런트엔드에서든 `generation_panel(gen)`을 띄우고 반환합니다. (6.2절의 우리 함수가
# 첫 번째 이름을 이미 쓰고 있으므로 여기서는 `lstm_tutorial.`을 붙여 씁니다.) 패널이 보여 주는 모든 p는
# 단어를 실제로 뽑은 확률, 곧 **온도, top-k, top-p를 적용한 뒤**의 확률이며, 차트의 축도 그렇게 적고
# 있습니다. `set_language("ko")`를 불렀으므로 패널은 한국어로 말하고, 레이블에는 블로그 글의 단어(프롬프트,
# 최대 토큰, 온도, 텍스트 생성)를 씁니다.

# %%
if "google.colab" in sys.modules:
    panel = lstm_tutorial.interactive_text_generation_colab(gen)
else:
    panel = lstm_tutorial.interactive_text_generation(gen)

# %% [markdown]
# ## 6.4 텍스트 생성: 최대 토큰은 한도이고, `<EOS>`가 레시피를 끝냅니다
#
# 모든 컨트롤은 패널의 속성이므로, 코드가 학습자처럼 슬라이더를 설정하고 버튼을 누를 수 있습니다. 최대
# 토큰은 상한일 뿐입니다. 모델이 `<EOS>`를 뽑아도 텍스트가 멈추는데, `<EOS>`는 말뭉치의 모든 레시피를 끝내는
# 토큰이며 블로그 글의 `generate`도 이렇게 동작합니다. 먼저 최대 토큰 = 20, $T = 0.7$, 시드 42로 생성합니다:

# %%
def show_texts(panel) -> None:
    """패널이 버튼 아래에 보여 주는 것: 텍스트마다 멈춘 이유와 읽기 쉬운 텍스트."""
    generator = panel.text_generator
    for row, ids in enumerate(panel.state.token_ids):
        drawn = generator.idx2token[ids[-1]]
        new = len(ids) - panel.state.prompt_length
        why = f"{drawn}(으)로 끝남" if panel.state.finished[row] else f"최대 토큰에서 멈춤, 마지막 단어 {drawn!r}"
        print(f"토큰 {new}개, {why}:\n{generator.text(ids)}\n")


def show_chart_words(panel) -> None:
    where = "<EOS>를 뽑은 분포의 단어" if panel.chart_ended else "다음 단어"
    print(f"차트 ({where}): " + ", ".join(f"{word} {p:.3f}" for word, p in panel.chart_words))


panel.prompt.value = "recipe for banana bread |"
panel.temperature.value = 0.7
panel.seed.value = "42"
panel.max_tokens.value = 20
panel.generate_button.click()
show_texts(panel)
show_chart_words(panel)
display(HTML(panel.chart.value))

# %% [markdown]
# 텍스트는 한도에 걸려 문장 중간인 "remove pan from"에서 멈췄고, 차트는 21번째 단어의 후보를 보여 줍니다.
# "heat"가 0.807이고 그다음이 "the"로 0.109입니다. 차트 제목에는 설정이 적혀 있고, 축에는 이 확률이 무엇인지,
# 곧 온도, top-k, top-p를 적용한 뒤의 확률이라는 것이 적혀 있습니다(여기서는 $T = 0.7$만 켜져 있습니다).
#
# 이번에는 최대 토큰 = 200으로 똑같이 해 봅니다:

# %%
panel.max_tokens.value = 200
panel.generate_button.click()
show_texts(panel)
show_chart_words(panel)
display(HTML(panel.text_view.value))
display(HTML(panel.chart.value))

# %% [markdown]
# 토큰 200개의 여유가 있으면, 같은 시드는 같은 첫 20 단어를 뽑은 뒤 53번째 토큰에서 모델이 `<EOS>`를 뽑을
# 때까지 이어 갑니다. 최대 토큰은 길이가 아니라 한도입니다. 음영이 들어간 텍스트 아래 줄이 멈춘 이유를
# 알려 주고("토큰 53개 생성; 마지막 <EOS>(으)로 텍스트가 끝납니다."), `<EOS>`가 음영이 들어간 마지막
# 단어입니다(마우스를 올리면 p가 보입니다). `<EOS>` 뒤에는 더 예측할 것이 없으므로(모델은 레시피가 끝난 뒤의
# 단어를 본 적이 없습니다), 차트는 그 대신 "season with salt and mix." 다음에 `<EOS>`를 뽑은 분포를
# 보여 주고 `<EOS>` 막대를 빨간색으로 칠합니다. 끝내기(0.124)는 "serve"(0.142)만큼이나 가능성이 높았습니다.
#
# 패널은 따로 만든 것 없이 패키지의 생성기만 씁니다. 같은 시드로 `sample(...)`을 부르면 같은 단어를 쓰고,
# 차트의 막대는 `<EOS>`를 뽑은 점수(마지막 단어를 뺀 텍스트에 모델을 돌린 결과)의
# `SamplingOptions(...).probs`에서 `<PAD>`를 뺀 것입니다(6.8절).

# %%
options = SamplingOptions(temperature=panel.temperature.value)
ids = panel.state.token_ids[0]
assert gen.sample(panel.prompt.value, max_tokens=200, temperature=options.temperature, seed=42)[0] == gen.text(ids)
assert panel.state.finished[0] and panel.chart_ended and gen.vocab.idx2token[ids[-1]] == "<EOS>"
with torch.no_grad():
    logits, _ = gen.model(torch.tensor([ids[:-1]], device=gen.device))  # <EOS> 바로 앞 단어까지의 텍스트
probs = options.probs(logits[0, -1])
probs[gen.vocab.token2idx["<PAD>"]] = -1  # 후보에서 뺍니다
top10 = probs.topk(10)
assert [word for word, _ in panel.chart_words] == [gen.vocab.idx2token[i] for i in top10.indices.tolist()]
torch.testing.assert_close(torch.tensor([p for _, p in panel.chart_words]), top10.values)
print(f"패널 텍스트 == sample(..., seed=42); 차트 == <EOS> 직전 SamplingOptions(T = {options.temperature}).probs의 "
      "상위 10개")

# %% [markdown]
# ## 6.5 온도 슬라이더는 차트를 다시 그립니다
#
# 온도 슬라이더를 움직여도 아무것도 생성되지 않습니다. 같은 위치의 차트를 새 온도로 다시 그릴 뿐이며
# (노트북 4), 슬라이더를 끄는 동안 지나가는 모든 값에서 그렇게 합니다. 다음 단어가 아직 정해지지 않은
# 20 토큰 텍스트로 돌아가 세 온도를 나란히 놓아 봅니다:

# %%
panel.max_tokens.value = 20
panel.generate_button.click()
charts = []
for T in [0.2, 1.0, 2.0]:
    panel.temperature.value = T
    charts.append(panel.chart.value)
    print(f"T = {T}: " + ", ".join(f"{word} {p:.3f}" for word, p in panel.chart_words[:5]))
display(HTML('<div style="display: flex; gap: 24px">' + "".join(charts) + "</div>"))

# %% [markdown]
# $T = 0.2$에서는 "heat"가 거의 전부(0.999)를 가져갑니다. 모델 자신의 분포인 $T = 1$에서는 0.555이고,
# 그 뒤를 "the"(0.136)와 "pan"(0.070)이 따릅니다. $T = 2$에서는 확률이 어휘 전체로 퍼지기
# 때문에 막대들이 평평해집니다("heat" 0.058, 열 번째 단어 0.006).
#
# ## 6.6 한 단어와 재생: 한 번에 한 단어씩
#
# **한 단어**(Step) 버튼은 블로그 글이 `generate`를 따라가며 보여 준 과정(`[5, 10, 2]` -> 15 선택 ->
# `[5, 10, 2, 15]` -> ...)을 눈에 보이게 만든 것입니다. 누를 때마다 차트의 분포에서 단어 하나를 뽑아 토큰
# id에 붙이고, 그 단어만 LSTM에 넣으면서 `(h, c)`, 곧 은닉 상태(hidden state)와 셀 상태(cell state)를
# 이어 갑니다(노트북 2). 프롬프트가 바뀌면 패널의 시드로 새 텍스트를 시작합니다.

# %%
panel.prompt.value = "recipe for pancakes |"  # 새 프롬프트: 다음 한 단어는 여기서 시작합니다
panel.temperature.value = 1.0
for _ in range(6):
    panel.step_button.click()
    state = panel.state
    picked = gen.vocab.idx2token[state.token_ids[0][-1]]
    print(f"뽑은 단어 {picked!r:12} p = {state.picked_probs[0][-1]:.4f}   토큰 id {state.token_ids[0]}")
print("\n" + gen.text(panel.state.token_ids[0]))

# %% [markdown]
# 시드 42로 한 단어를 여섯 번 누르면, 시드 42와 토큰 6개로 텍스트 생성(또는 `sample`)을 한 것과 같은 여섯
# 단어가 나옵니다. 또 상태를 이어 가며 얻은 다음 단어 점수는, 단어마다 텍스트 전체를 다시 넣고
# `logits[0, -1, :]`를 취하는 블로그 글의 방식으로 얻은 로짓(logits)과 같습니다:

# %%
assert gen.sample("recipe for pancakes |", max_tokens=6, temperature=1.0, seed=42)[0] == gen.text(panel.state.token_ids[0])
with torch.no_grad():
    logits, _ = gen.model(torch.tensor([panel.state.token_ids[0]], device=gen.device))
torch.testing.assert_close(logits[0, -1], panel.state.next_logits[0], rtol=1e-4, atol=1e-4)
print("한 단어 6번 == sample(max_tokens=6, seed=42)")
print("(h, c)를 이어 가며 한 단어씩 == 텍스트 전체를 한 번에")

# %% [markdown]
# **재생**(Play)은 한 단어 버튼을 대신 눌러 줍니다. 재생하는 동안 브라우저는 "재생, ms/단어" 밀리초마다
# 카운터 `panel.play.value`를 1씩 올리고, 패널은 틱마다 단어 하나와 새 차트로 응답합니다. 카운터는 뽑은
# 단어의 수이므로 재생은 한 단어 버튼이 남긴 텍스트에서 이어 가며, `<EOS>`나 최대 토큰에서 멈춥니다. ■ 버튼은
# 프롬프트로 돌아갑니다. 코드도 브라우저처럼 틱을 줄 수 있습니다. 6 단어에서 시작해 틱 네 번:

# %%
panel.speed.value = 200  # 단어당 ms
print(f"재생: {panel.play.interval} ms마다 틱 하나; 카운터는 {panel.play.value}, {panel.play.max}에서 멈춤 "
      "(최대 토큰)")
for tick in range(7, 11):
    panel.play.value = tick  # 재생 중에 브라우저가 200 ms마다 하는 일
    picked = gen.vocab.idx2token[panel.state.token_ids[0][-1]]
    word, p = panel.chart_words[0]
    print(f"틱 {tick}: 뽑은 단어 {picked!r:10} 차트는 그다음 단어들을 보여 줌, 1위 {word!r} ({p:.3f})")
assert gen.sample("recipe for pancakes |", max_tokens=10, temperature=1.0, seed=42)[0] == gen.text(panel.state.token_ids[0])
display(HTML(panel.text_view.value))
display(HTML(panel.chart.value))

# %% [markdown]
# 틱 네 번에 단어 네 개: 이제 텍스트에는 `sample`이 시드 42와 `max_tokens=10`으로 쓰는 열 단어가 들어 있고,
# 차트는 단어마다 그 뒤에 올 수 있는 단어들을 보여 줍니다. 그대로 재생하게 두면 `<EOS>`를 먼저 뽑지 않는 한
# 열 틱 뒤, 최대 토큰 = 20에서 멈춥니다.
#
# ## 6.7 top-p, 그리고 많은 단어가 p = 1.000인 이유
#
# "recipe for pancakes |"에서 $T = 1$, top-p = 0.8로 샘플 세 개를 뽑습니다. 매 스텝에서 확률의
# 80%를 함께 차지하는, 가장 가능성 높은 단어들만 뽑힐 수 있습니다(노트북 4). 세 텍스트는 시드 42로 한
# 배치(batch)로 뽑으며, 차트는 첫 번째 텍스트를 따릅니다.

# %%
panel.temperature.value = 1.0
panel.top_p.value = 0.8
panel.num_samples.value = 3
panel.max_tokens.value = 60
panel.generate_button.click()
show_texts(panel)
show_chart_words(panel)
picked = [p for row in panel.state.picked_probs for p in row]
print(f"\n뽑은 단어 {len(picked)}개 가운데 {sum(p == 1.0 for p in picked)}개가 p = 1.000")

# %% [markdown]
# 세 텍스트는 요리에서 벗어나지 않지만(오븐 예열, 밀가루 섞기, 머핀 틀 준비...) 어느 것도 팬케이크를
# 고수하지는 않으며, 셋 다 토큰 60개를 모두 씁니다. 그리고 뽑은 단어 180개 가운데 22개가 p = 1.000입니다.
#
# 왜 1.000일까요? top-p는 다시 정규화합니다. 합이 0.8에 이르는 가장 작은 선두 단어 집합을 남기고, 그
# 확률들을 그 합으로 나눕니다. 1위 단어 혼자 0.8 이상을 차지하면 그 단어만 남고, 자기 자신으로 나누면 p는
# 정확히 1이 됩니다. 음영의 p는 온도, top-k, top-p를 적용한 *뒤*의 확률, 곧 단어를 실제로 뽑은 확률입니다.
# 아래 표는 첫 번째 텍스트의 단어들에 대해 이 p를, 자르기 전 $T = 1$에서 모델이 준 확률과 나란히 놓습니다:

# %%
ids = panel.state.token_ids[0]
start = panel.state.prompt_length
top_p = SamplingOptions(1.0, top_p=0.8)
with torch.no_grad():
    logits, _ = gen.model(torch.tensor([ids[:-1]], device=gen.device))  # 첫 번째 텍스트의 모든 위치의 점수
print(f"{'단어':>8}  {'T = 1의 p':>9}  {'남긴 단어':>6}  {'남긴 질량':>5}  {'top-p 0.8 뒤 p':>16}")  # 한글은 두 칸 폭
for i, (idx, shown) in enumerate(zip(ids[start:start + 12], panel.state.picked_probs[0])):
    before_cut = torch.softmax(logits[0, start - 1 + i], dim=-1)  # 단어 i를 뽑은 분포
    kept = top_p.probs(logits[0, start - 1 + i]) > 0
    mass = float(before_cut[kept].sum())
    assert mass >= 0.8 and math.isclose(shown, before_cut[idx] / mass, rel_tol=1e-4)
    print(f"{gen.idx2token[idx]:>10}  {before_cut[idx]:10.3f}  {int(kept.sum()):>10}  {mass:9.3f}  {shown:17.3f}")

# %% [markdown]
# 모델이 확신하는 곳에서는("preheat oven" 다음의 "to"가 $T = 1$에서 0.979, "350" 다음의 "°"와 "f")
# top-p가 그 한 단어만 남기고 p는 1.000이 됩니다. 그 밖의 곳에서는 남긴 단어 각각의 p를 남긴 단어들이 함께
# 차지하는 질량으로 나눕니다(셀이 이를 확인합니다). top-p는 0.8에 이를 때까지 단어를 더하므로 그 질량은
# 적어도 0.8이고, 마지막에 더한 단어 때문에 0.8을 넘는 일이 흔합니다. "preheat"는 남긴 단어 14개가 0.803을
# 차지해 0.189가 0.236으로 커집니다. "oven"은 단어 2개의 핵(nucleus)이 0.881을 차지하므로 0.650이 0.737로만
# 커집니다. 1 / 0.8이 아니라 1 / 0.881배이기 때문입니다. 차트의 막대도 자른 뒤의 값이라서, 핵 밖의 단어는
# 막대가 0입니다.
#
# ## 6.8 차트가 보여 주는 `<PAD>`, `<UNK>`, 그리고 한글
#
# 어휘는 특수 토큰 세 개로 시작하며, 차트는 실제 후보만 보여 줍니다:
#
# - `<PAD>`는 배치 안의 짧은 레시피를 가장 긴 레시피 길이에 맞춰 채웁니다. 훈련에서 다음 단어가 되는 일이
#   없으므로(손실(loss)이 무시합니다) 모델은 여기에 확률을 거의 주지 않습니다. 차트는 이 토큰을 뺍니다.
# - `<UNK>`는 어휘 밖의 모든 단어를 대신합니다. 어휘가 말뭉치의 단어를 빠뜨리면 모델은 `<UNK>`를 예측하도록
#   배우므로(노트북 5의 quick 프리셋은 단어 3,000개를 남깁니다), 차트는 이 토큰을 "<UNK> (드문 단어)"라는
#   레이블로 남겨 둡니다. 사전 훈련된 모델의 어휘는 말뭉치의 모든 단어(10,000개 한도 아래인 8,203개)를 담고
#   있으므로, 이 모델은 `<UNK>`를 타깃(target)으로 본 적이 없습니다.
# - `<EOS>`는 레시피를 끝냅니다. 실제 다음 단어입니다(6.4절).
#
# "recipe for" 다음의 수치입니다(순위를 매길 단어는 8,203개입니다). `gen.prefill`은 프롬프트 전체를 모델에
# 한 번 통과시켜(prefill) 다음 단어의 점수와 `(h, c)`를 돌려줍니다:

# %%
scores = gen.prefill("recipe for").next_logits[0]
probs = torch.softmax(scores, dim=-1)
for token in ["<PAD>", "<UNK>", "<EOS>"]:
    p = probs[gen.vocab.token2idx[token]]
    print(f"{token}: p = {p:.1e}, {len(probs)}개 중 {int((probs > p).sum()) + 1}위")
unknown = sum(gen.vocab.encode(text).count(gen.vocab.unk_idx) for text in recipes)
print(f"인코딩된 말뭉치의 <UNK>: {unknown}번")

# %% [markdown]
# "recipe for" 다음에서 특수 토큰 셋은 모두 순위가 한참 아래이고(8,203개 가운데 `<PAD>` 7,111위, `<UNK>`
# 6,948위, `<EOS>` 6,367위, 모두 1e-6 미만), 인코딩된 말뭉치에는 `<UNK>`가 한 번도 나오지 않습니다.
# 그래서 이 모델에서는 `<PAD>`도 `<UNK>`도 차트에 오르지 않습니다. 어휘가 더 작다면 `<UNK>`는 오를 수
# 있습니다.
#
# 말뭉치에는 한국 요리가 몇 가지 있고, 어휘에는 그 한글 이름이 들어 있습니다. 차트는 HTML이므로, 브라우저가
# 다른 모든 문자처럼 한글도 자기 글꼴로 씁니다. 차트는 `panel.state`를 그리므로, 프롬프트를 통과시킨 상태를
# 바로 넘겨줄 수 있습니다:

# %%
panel.top_p.value = 1.0
panel.num_samples.value = 1
panel.state = gen.prefill("recipe for dolsot bibimbap (")
panel.redraw_chart()
print("차트 단어:", ", ".join(f"{word} {p:.3f}" for word, p in panel.chart_words[:4]))
display(HTML(panel.chart.value))

# %% [markdown]
# "dolsot bibimbap (" 다음의 1위는 말뭉치의 제목에 있는 대로 이 요리의 한글 이름, 돌솥비빔밥(0.094)입니다.

# %% [markdown]
# ## 6.9 실수는 패널에 나타납니다
#
# 아는 단어가 하나도 없는 프롬프트나 숫자가 아닌 시드는 트레이스백 대신 패널에 메시지를 띄웁니다. (블로그
# 글의 생성기는 모르는 단어를 조용히 `<UNK>`로 바꿨습니다.) 첫 메시지는 생성기가 내는 것이라 영어로, 두 번째
# 메시지는 패널이 내는 것이라 한국어로 나옵니다.

# %%
def message_text() -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", panel.message.value))


panel.prompt.value = "zzzz qqqq"
panel.generate_button.click()
print(message_text())

panel.prompt.value = "recipe for banana bread |"
panel.seed.value = "forty-two"
panel.generate_button.click()
print(message_text())

# 제대로 동작하는 패널로 돌아갑니다
panel.seed.value = "42"
panel.temperature.value = 0.7
panel.max_tokens.value = 100
panel.generate_button.click()
assert panel.message.value == ""
show_texts(panel)


# %% [markdown]
# ## 요약
#
# - 패널은 위젯 몇 개와 콜백 하나입니다. 블로그 글의 `interactive_text_generation_colab`에는 `Text`,
#   `IntSlider`, `FloatSlider`, `on_click` 핸들러가 `generate`를 실행하는 `Button`, 그리고 텍스트를 써 넣을
#   `Output`이 있습니다.
# - 패키지의 `generation_panel`은 top-k, top-p, 시드, 한 단어와 재생, 음영이 들어간 단어, 그리고 단어마다,
#   슬라이더마다 따라 움직이는 다음 단어 차트를 더합니다.
# - 텍스트는 `<EOS>`와 최대 토큰 가운데 먼저 오는 쪽에서 멈춥니다. `<EOS>` 뒤에는 차트가 `<EOS>`를 뽑은
#   분포를 보여 줍니다.
# - 보이는 모든 p는 온도, top-k, top-p를 적용한 뒤의 값입니다. top-p는 남긴 단어들의 p를 그 단어들이 차지하는
#   질량으로 나누므로, 혼자 남은 단어는 1.000이 됩니다.
# - 모든 컨트롤이 속성이라 코드로 조작할 수 있습니다. 패널이 쓰는 텍스트는 생성기의 텍스트이고, 차트는 차트가
#   가리키는 위치의 `SamplingOptions(...).probs`입니다.
#
# ## 연습 문제
#
# **1. 만들기: 블로그 글의 패널에 top-k 슬라이더와 시드 상자 달기.** 6.2절의 함수에 top-k용 `IntSlider`
# (0 = 끔)와 시드용 `Text` 상자(비우면 무작위)를 더하고, 둘 다 `generate`에 넘기세요. 그리고 예측해 보세요.
# 6.2절에서 텍스트가 무너졌던 $T = 1.5$에서 top-k = 10은 텍스트를 요리로 되돌려 놓을까요? 먼저 직접 써
# 보세요. 아래 셀은 한 가지 방법이며, top-k를 끈 채로 한 번, 10으로 한 번 버튼을 누릅니다.

# %%
def panel_with_top_k_and_seed(text_generator: PyTorchTextGenerator) -> widgets.VBox:
    """6.2절의 패널에 top-k 슬라이더(0 = 끔)와 시드 상자(비우면 무작위)를 더한 것."""
    prompt_input = widgets.Text(value="recipe for", description="프롬프트:")
    max_tokens_slider = widgets.IntSlider(value=100, min=10, max=500, step=10, description="최대 토큰:")
    temperature_slider = widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.1, description="온도:")
    top_k_slider = widgets.IntSlider(value=0, min=0, max=100, description="Top-k (0=끔):")
    seed_input = widgets.Text(value="", placeholder="비우면 무작위", description="시드:")
    output = widgets.Output()
    generate_button = widgets.Button(description="텍스트 생성", icon="play")

    def on_button_clicked(_) -> None:
        output.outputs = ()
        seed = seed_input.value.strip()
        info = text_generator.generate(prompt_input.value, max_tokens=max_tokens_slider.value,
                                       temperature=temperature_slider.value, top_k=top_k_slider.value or None,
                                       seed=int(seed) if seed else None, verbose=False)
        output.append_stdout(f"{info[-1]['prompt']} {info[-1]['token']}\n")

    generate_button.on_click(on_button_clicked)
    box = widgets.VBox([prompt_input, max_tokens_slider, temperature_slider, top_k_slider, seed_input,
                        generate_button, output])
    display(box)
    return box


prompt_input, max_tokens_slider, temperature_slider, top_k_slider, seed_input, generate_button, output = (
    panel_with_top_k_and_seed(gen).children)
prompt_input.value = "recipe for banana bread |"
max_tokens_slider.value = 40
temperature_slider.value = 1.5
seed_input.value = "0"
for k in [0, 10]:
    top_k_slider.value = k
    generate_button.click()
    print(f"top-k {k or '끔'}: {output.outputs[0]['text'].strip()}")

# %% [markdown]
# <details><summary>풀이</summary>
#
# 새 컨트롤은 저마다 상자 안의 위젯 하나이자 `generate`의 인자 하나입니다. top-k 0은 `top_k=None`(끔)이
# 되고, 빈 시드는 `seed=None`(누를 때마다 새 텍스트)이 됩니다. 시드 0에 top-k를 끄면 패널은 6.2절의
# $T = 1.5$ 텍스트를 다시 씁니다. top-k = 10이면 다시 부엌으로 돌아옵니다("combine all of the ingredients in a
# glass of dough . mix the butter and mix well with the sugar until stiff..."). 군데군데 이상하지만 요리
# 이야기입니다. $T = 1.5$가 두툼하게 만든 긴 꼬리를 top-k가 잘라 내기 때문입니다. "forty-two" 같은 시드를
# 넣으면 핸들러 안에서 `int`가 ValueError를 일으키는데, 패키지의 패널은 그 대신 메시지를 보여 줍니다(6.9절).
#
# </details>
#
# **2. 만들기: 한 단어씩 쓰는 레시피와 각 단어의 확률.** 코드로 패키지의 패널을 조작하세요. 새 프롬프트와
# 시드를 정하고, 텍스트가 끝나거나 40 단어가 될 때까지 `panel.step()`(한 단어 버튼이 실행하는 메서드)을
# 호출한 뒤, 뽑은 단어 각각의 p, 곧 패널의 음영을 막대 차트로 그리세요. 먼저 예측해 보세요. 대부분의
# 단어는 0.5보다 높은 p로 뽑힐까요, 낮은 p로 뽑힐까요?

# %%
panel.prompt.value = "recipe for pancakes |"  # 새 프롬프트: 다음 step은 새 텍스트를 시작합니다
panel.seed.value = "1"
panel.temperature.value = 0.8
panel.top_p.value = 1.0
panel.num_samples.value = 1
for _ in range(40):
    panel.step()
    if panel.state.finished[0]:
        break
state = panel.state
words = [gen.idx2token[idx] for idx in state.token_ids[0][state.prompt_length:]]
probs = state.picked_probs[0]
assert gen.text(state.token_ids[0]) == gen.sample(panel.prompt.value, max_tokens=len(words), temperature=0.8, seed=1)[0]
print(gen.text(state.token_ids[0]))
fig, ax = plt.subplots(figsize=(11, 3))
ax.bar(range(len(words)), probs, color="#ff8c00")
ax.set_xticks(range(len(words)), words, rotation=90)
ax.set(ylim=(0, 1), ylabel="뽑힐 때의 p", title=f"'{panel.prompt.value}', T = 0.8, 시드 1")
plt.show()
print(f"뽑은 단어 {len(probs)}개 가운데 {sum(p > 0.5 for p in probs)}개가 p > 0.5; 가장 낮은 p: "
      + ", ".join(f"{word!r} {p:.3f}" for p, word in sorted(zip(probs, words))[:3]))

# %% [markdown]
# <details><summary>풀이</summary>
#
# 대부분 낮습니다. 뽑은 토큰 35개 가운데 p가 0.5를 넘는 것은 13개뿐입니다. 높은 막대는 텍스트가 이미 정해
# 둔 단어들이고("preheat oven" 다음의 "to", "400" 다음의 "°", "both" 다음의 "sides"), 낮은 막대는 모델이
# 여러 후보에 확률을 나눠 거는 선택, 특히 문장의 첫 단어("melt", "add", "drain")입니다. 가장 가능성이 낮은
# 단어 "drain"(0.018)이 마지막 문장을 시작하고, 그 뒤에 `<EOS>`가 레시피를 끝냅니다. 이 반복문은 한 단어
# 버튼을 누를 때마다, 그리고 재생이 틱마다 하는 일과 같습니다.
#
# </details>
#
# **3. 예측하고 실행하기: 1.000이 더 많을까, 더 적을까?** 6.7절에서 top-p = 0.8로 뽑은 단어 180개 가운데
# 22개가 p = 1.000이었습니다. top-p = 0.5라면 더 많을까요, 더 적을까요? top-p를 끄면 어떨까요?

# %%
panel.prompt.value = "recipe for pancakes |"
panel.seed.value = "42"
panel.temperature.value = 1.0
panel.num_samples.value = 3
panel.max_tokens.value = 60
for top_p in [0.5, 0.8, 1.0]:
    panel.top_p.value = top_p
    panel.generate_button.click()
    picked = [p for row in panel.state.picked_probs for p in row]
    lengths = [len(row) for row in panel.state.picked_probs]
    print(f"top-p {top_p}: 뽑은 단어 {len(picked)}개 가운데 {sum(p == 1.0 for p in picked):>3}개가 p = 1.000; "
          f"텍스트 길이 {lengths} 토큰, <EOS>로 끝남: {panel.state.finished}")

# %% [markdown]
# <details><summary>풀이</summary>
#
# 더 많습니다. top-p = 0.5에서는 138개 가운데 41개, 0.8에서는 180개 가운데 22개이고, top-p를 끄면 168개
# 가운데 하나도 없습니다. 1위 단어 혼자 top-p 이상을 차지할 때 1.000이 되는데, 0.5는 0.8보다 이 조건을 훨씬
# 자주 만족시킵니다. top-p를 끄면 아무것도 잘리지 않습니다. 합계는 세 텍스트의 길이이며, 텍스트는 `<EOS>`를
# 뽑으면 일찍 멈춥니다. top-p 0.8에서는 어느 텍스트도 일찍 멈추지 않고(60 + 60 + 60 = 180), 0.5에서는 첫째와
# 셋째가 각각 토큰 52개와 26개 뒤에 끝나며(138), top-p를 끄면 첫째가 토큰 48개 뒤에 끝나고 셋째는 60번째
# 토큰으로 `<EOS>`를 뽑습니다(168). 같은 시드라도 자르는 기준이 다르면 다른 단어를 뽑으므로, 어느 텍스트가
# 언제 끝나는지는 top-p에 따라 일정한 순서 없이 바뀝니다. 그러니 비율로 비교하세요. 30%, 12%, 0%입니다.
#
# </details>
#
# **4. 바꿔 보기: 패널에 패키지의 기본 모델 넣기.** 책 크기의 모델 대신 패키지의 기본 모델, 곧 이름 없이
# 부르는 `pretrained_model()`(256 크기의 LSTM 층 두 개, 임베딩 행렬을 출력층으로 다시 쓰는 가중치
# 묶기(weight tying), 긴 텍스트 스트림으로 훈련)로 패널을 만드세요. 6.4절의 설정(시드 42, $T = 0.7$, 최대
# 토큰 200)에서 텍스트는 어떻게 다를까요? 단어가 더 높은 p로 뽑힐까요?

# %%
default_model, default_vocab, default_checkpoint = pretrained_model(device=device)
better = generation_panel(PyTorchTextGenerator(default_model, default_vocab.idx2token, default_vocab.token2idx, device))
for name, each, ckpt in [("book", panel, checkpoint), ("default", better, default_checkpoint)]:
    each.prompt.value = "recipe for banana bread |"
    each.seed.value = "42"
    each.temperature.value = 0.7
    each.max_tokens.value = 200
    each.top_p.value = 1.0
    each.num_samples.value = 1
    each.generate_button.click()
    probs = each.state.picked_probs[0]
    print(f"{name} 모델, 검증 퍼플렉서티 {math.exp(ckpt['val_loss']):.1f}; "
          f"뽑은 단어의 평균 p {sum(probs) / len(probs):.3f}")
    show_texts(each)

# %% [markdown]
# <details><summary>풀이</summary>
#
# 기본 모델의 텍스트는 끝까지 무언가를 굽는 레시피로 남습니다("preheat oven to 425°f. line a baking sheet with
# parchment paper. ... bake for 45 minutes."). 다만 버터를 녹이다가 돼지고기와 당근으로 넘어가는 책 모델의
# 텍스트와 마찬가지로 바나나 브레드는 아닙니다. 기본 모델이 뽑는 단어의 평균 p는 0.494로, 0.449보다
# 높습니다. 검증(validation) 퍼플렉서티(perplexity)가 더 낮은 모델(20.6 대 35.3)은 다음 단어를 더 확신하므로,
# 같은 온도에서 차트가 더 뾰족합니다. (`display(better)`로 그 패널을 띄워 직접 다뤄 볼 수 있습니다.)
#
# </details>
