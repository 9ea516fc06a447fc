# %% [markdown]
# # 7. 훈련된 모델 들여다보기
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/ko/07_inside_the_trained_model.ipynb)
#
# 다른 노트북들은 훈련된 모델을 바깥에서만 다뤘습니다. 단어를 넣으면 확률(probability)이 나오는
# 상자로 본 것입니다. 이번에는 그 상자를 열어 봅니다. 단어 벡터는 무엇을 배웠고, 그 결과는 왜 두 행렬을
# 하나로 묶자는 생각으로 이어질까요? 레시피(recipe)를 읽는 동안 게이트(gate)와 메모리는 무슨 일을 하며,
# 우리가 이름 붙일 수 있는 무언가를 추적하는 유닛이 있을까요? 이어받은 상태는 얼마나 중요할까요?
# 모델은 새 글을 쓸까요, 아니면 훈련 레시피를 그대로 옮겨 쓸까요?
#
# 책과 같은 크기의 사전 훈련된 모델(단어 벡터 100, 은닉 유닛 128개, 단어 8,203개)을 씁니다. 훈련은
# 7.4절에서만 합니다. 작은 모델 두 개를 CPU에서 1분 안팎 훈련합니다.

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
# 모델과 그 어휘(vocabulary), 체크포인트(checkpoint: 훈련 기록)를 불러오고, 모델이 훈련에 쓴
# 말뭉치(corpus)와 모델이 한 번도 보지 못한 보류(held-out) 레시피 177개도 불러옵니다.

# %%
import math

import matplotlib.pyplot as plt
import torch.nn.functional as F
from tqdm.auto import tqdm

from lstm_tutorial import LSTMLM, TextGenerator, TrainConfig, Vocab, load_recipes, pretrained_model, tokenize
from lstm_tutorial.baselines import CopyFinder
from lstm_tutorial.data import encode_recipes
from lstm_tutorial.language import set_language

model, vocab, checkpoint = pretrained_model("book", "cpu")  # 평가 모드: 드롭아웃이 꺼져 있습니다
config = TrainConfig.from_dict(checkpoint["config"])
corpus = load_recipes(verbose=False)  # 기본 말뭉치: 모델의 훈련·검증 레시피
heldout = load_recipes("heldout", verbose=False)
print(model)
print(f"단어 {len(vocab):,}개; 검증 퍼플렉서티 {math.exp(checkpoint['val_loss']):.1f}; "
      f"말뭉치 레시피 {len(corpus):,}개, 보류 레시피 {len(heldout)}개")
set_language("ko")  # 패널과 차트를 한국어로 (한글 글꼴 포함)

# %% [markdown]
# ## 7.1 임베딩 테이블에서 가장 가까운 이웃
#
# `nn.Embedding`(노트북 1)은 단어마다 숫자 100개로 된 행을 하나씩 담고 있습니다. 그 단어의
# **임베딩**(embedding)입니다. 훈련이 비슷하게 쓰이는 단어들에 비슷한 행을 주었다면, 이 테이블에서
# 의미를 읽어 낼 수 있을 것입니다. 두 행은 **코사인 유사도**(cosine similarity)로 비교합니다. 내적을
# 두 길이의 곱으로 나눈 값, 즉 두 벡터 사이 각도의 코사인입니다(1: 같은 방향, 0: 직교, -1: 반대 방향).
# 어떤 단어의 **가장 가까운 이웃**(nearest neighbours)은 그 단어의 행과 코사인이 가장 높은 행을 가진
# 단어들입니다. 가장 자주 나오는 단어 2,000개 안에서만 찾습니다(어휘는 `<PAD>`, `<UNK>`, `<EOS>`
# 다음부터 빈도순입니다). 드문 단어는 자기 행을 움직일 기회가 적었기 때문입니다.

# %%
FREQUENT = torch.arange(3, 2003)  # 가장 자주 나오는 단어 2,000개의 id
WORDS = ["butter", "oil", "oven", "minutes", "chicken", "sugar", "bake", "stir", "onion", "350"]


def neighbours(vectors: torch.Tensor, word: str, k: int = 6, vocab: Vocab = vocab) -> list[tuple[str, float]]:
    """`vectors`에서 `word`의 행과 코사인 유사도가 가장 높은 행을 가진 자주 나오는 단어 k개."""
    unit = F.normalize(vectors.detach(), dim=1)  # 모든 행을 자기 길이로 나눔
    word_id = vocab.token2idx[word]
    similarity = unit[FREQUENT] @ unit[word_id]  # [2000]: 단위 벡터끼리의 내적이 곧 코사인
    similarity[FREQUENT == word_id] = -1.0  # 단어 자신은 뺌
    best = similarity.topk(k)
    return [(vocab.idx2token[FREQUENT[i]], s) for s, i in zip(best.values.tolist(), best.indices.tolist())]


def show_neighbours(vectors: torch.Tensor, words: list[str] = WORDS, k: int = 6, vocab: Vocab = vocab) -> None:
    for word in words:
        print(f"{word:>8}: " + ", ".join(f"{other} {s:.2f}" for other, s in neighbours(vectors, word, k, vocab)))


show_neighbours(model.embedding.weight)

# %% [markdown]
# 대부분 잡음입니다. 말이 되는 이웃도 몇 있지만(`stir`: `fold`, `whisk`; `onion`: `garlic`; `350`:
# `375`, `400`), `butter`에 가장 가까운 단어는 `bowls`, `course`, `burgers`이고 유사도도 모두 0.26에서
# 0.48 사이로 낮습니다. 왜 그럴까요?
#
# `nn.Embedding`은 모든 행을 표준 정규분포에서 뽑은 수 100개로 시작합니다. 길이가 대략
# $\sqrt{100} = 10$인 벡터입니다. 훈련기는 `config.seed`로 torch의 시드를 정한 뒤 곧바로 모델을
# 만들므로(그 사이에 torch의 생성기에서 뽑는 것이 없습니다), 같은 순서를 밟으면 정확히 같은 시작점을
# 다시 만들 수 있습니다.

# %%
torch.manual_seed(config.seed)  # Trainer.from_texts가 모델을 만들기 전에 하는 일
start = LSTMLM.from_config(config, len(vocab))  # 같은 무작위 시작점, 훈련 전
trained_rows, start_rows = model.embedding.weight.detach(), start.embedding.weight.detach()

own_start = F.cosine_similarity(trained_rows, start_rows, dim=1)
other_start = F.cosine_similarity(trained_rows, start_rows.roll(1, dims=0), dim=1)  # 다른 단어의 시작 행
print(f"코사인(훈련된 행, 자기 시작 행):        평균 {own_start.mean():.3f} "
      f"(가장 자주 나오는 단어 2,000개: {own_start[FREQUENT].mean():.3f})")
print(f"코사인(훈련된 행, 다른 단어의 시작 행): 평균 {other_start.mean():.3f}")
print(f"행 길이: 시작 {start_rows.norm(dim=1).mean():.2f}, 훈련 후 {trained_rows.norm(dim=1).mean():.2f}; "
      f"움직인 거리 {(trained_rows - start_rows).norm(dim=1).mean():.2f}")

random_rows = F.normalize(torch.randn(2001, 100, generator=torch.Generator().manual_seed(0)), dim=1)
print(f"무작위 벡터 하나와 다른 무작위 벡터 2,000개 사이의 최대 코사인: {(random_rows[1:] @ random_rows[0]).max():.2f}")
assert own_start.mean() > 0.9 and other_start.abs().mean() < 0.1

# %% [markdown]
# 훈련된 행은 여전히 시작할 때와 거의 같은 방향을 가리키고(평균 코사인 0.95, 자주 나오는 단어는
# 0.91), 다른 단어의 시작 행과는 코사인이 0.00입니다. 행의 길이는 10인데 훈련이 움직인 거리는 3
# 정도입니다. Adam은 스텝(step)마다 각 숫자를 대략 학습률(learning rate, 0.003)만큼 움직이고, 어떤
# 행은 그 단어가 들어 있는 배치(batch)에서만 기울기(gradient)를 받습니다. 그래서 행 사이의 유사도는
# 대부분 무작위 시작점의 유사도이고, 무작위 코사인 2,000개 중 최댓값인 0.30이 바로 앞에서 본
# 수준입니다. 그래도 모델은 잘 작동하지만(무작위 행도 단어마다 다른 코드 구실은 합니다), 어떤
# 단어들이 비슷한지는 이 테이블에 담겨 있지 않습니다.
#
# ## 7.2 출력층의 단어 벡터
#
# 출력층 `fc`는 단어마다 행이 하나씩 있는 두 번째 테이블입니다. 가중치의 모양은 `[8203, 128]`입니다.
# 단어 $w$의 로짓(logit)은 $h \cdot W_w + b_w$(노트북 3)이므로, 같은 자리에 들어맞는 두 단어는 같은
# $h$에 대해 함께 높은 점수를 받아야 합니다. 즉 두 행이 같은 방향을 가리켜야 합니다. 게다가 모든 행은
# 자기 단어가 나오는 곳뿐 아니라 모든 위치에서 훈련됩니다. 소프트맥스(softmax)가 모든 단어에 확률을
# 조금씩 주므로, 손실(loss)이 그 모든 행을 움직이기 때문입니다.

# %%
show_neighbours(model.fc.weight)

fc_own_start = F.cosine_similarity(model.fc.weight.detach(), start.fc.weight.detach(), dim=1)
print(f"\n코사인(훈련된 출력 행, 자기 시작 행): 평균 {fc_own_start.mean():.3f}")
assert fc_own_start.mean() < 0.5

# %% [markdown]
# 이제 이웃 대부분이 요리하는 사람이 보기에도 말이 됩니다. `butter` 옆에는 `margarine`, `oil` 옆에는
# `olive`와 `ghee`, `oven` 옆에는 `smoker`와 `broiler`, `minutes` 옆에는 `seconds`, `chicken` 옆에는
# `pork`, `350` 옆에는 `375`가 있습니다. 이 행들은 작은 무작위 시작점에서 멀리 움직였습니다(시작점과의
# 평균 코사인 0.12).
#
# 이웃은 맛이 비슷한 단어가 아니라 문장에서 같은 자리를 채우는 단어입니다. `sugar`의 이웃은 단맛을
# 내는 재료(`vanilla`, `cocoa`, `pandan`)이지만, `mustard`, `cornstarch`, `habanero`도 똑같이
# 가깝습니다(모두 0.53에서 0.56 사이). `minutes`는 `inches`, `oz`와도 가까운데, 이 단어들도 `minutes`처럼
# 숫자 뒤에 옵니다.
#
# ## 7.3 단어를 2차원 지도로
#
# 128차원을 눈으로 보려고, 단어 집합이 가장 크게 퍼져 있는 두 방향을 고릅니다. **주성분
# 분석**(principal component analysis, PCA)입니다. 행들을 평균이 0이 되도록 옮기고 특잇값 분해
# $X = U S V^T$를 하면, $V^T$의 처음 두 행이 가장 크게 퍼진 두 방향이고, $X V_{:2}$가 그 방향을 따른
# 단어들의 좌표이며, 특잇값의 제곱이 각 방향이 담은 퍼짐의 양입니다. 자주 나오는 단어 50개를 네
# 그룹으로 나눠 두 테이블의 행을 그립니다. 2차원 그림은 오해를 부를 수 있으므로, 모든 차원에서 가장
# 가까운 이웃(50개 중)이 같은 그룹에 있는 단어가 몇 개인지도 셉니다.

# %%
GROUPS = {
    "재료": ["butter", "oil", "sugar", "flour", "salt", "chicken", "beef", "pork", "onion", "garlic", "milk",
           "rice", "eggs", "tomatoes"],
    "단위": ["cup", "cups", "teaspoon", "tablespoon", "tbsp", "tsp", "minutes", "hours", "seconds", "inch",
           "g", "ml"],
    "동사": ["stir", "bake", "boil", "chop", "mix", "add", "pour", "simmer", "fry", "whisk", "serve", "cut"],
    "숫자": ["1", "2", "3", "4", "5", "6", "10", "12", "15", "20", "30", "350"],
}
chosen = [word for words in GROUPS.values() for word in words]
group_of = [group for group, words in GROUPS.items() for _ in words]


def chosen_ids(vocab: Vocab = vocab) -> torch.Tensor:
    """`vocab`에서 고른 단어 50개의 id(모두 가장 자주 나오는 2,000개 안에 있습니다)."""
    ids = torch.tensor([vocab.token2idx[word] for word in chosen])
    assert int(ids.max()) < 2003, "모두 자주 나오는 단어"
    return ids


def pca_2d(vectors: torch.Tensor) -> tuple[torch.Tensor, float]:
    """고른 단어들이 가장 크게 퍼진 두 방향을 따른 좌표와, 그 두 방향이 담은 퍼짐의 비율."""
    X = vectors.detach()[chosen_ids()]
    X = X - X.mean(dim=0)
    _, S, Vh = torch.linalg.svd(X, full_matrices=False)
    return X @ Vh[:2].T, float((S[:2] ** 2).sum() / (S ** 2).sum())


def same_group_neighbours(vectors: torch.Tensor, vocab: Vocab = vocab) -> dict[str, int]:
    """그룹마다, 고른 단어 중 가장 가까운 단어(코사인, 모든 차원)가 같은 그룹에 있는 단어의 수."""
    unit = F.normalize(vectors.detach()[chosen_ids(vocab)], dim=1)
    similarity = (unit @ unit.T).fill_diagonal_(-2.0)
    nearest = similarity.argmax(dim=1).tolist()
    return {group: sum(group_of[i] == group_of[j] == group for i, j in enumerate(nearest)) for group in GROUPS}


def describe_groups(same: dict[str, int]) -> str:
    return f"{len(chosen)}개 중 {sum(same.values())}개 (" + ", ".join(
        f"{group} {len(GROUPS[group])}개 중 {count}개" for group, count in same.items()) + ")"


fig, axes = plt.subplots(1, 2, figsize=(14, 6.5))
colours = dict(zip(GROUPS, ["tab:green", "tab:blue", "tab:red", "tab:purple"]))
for ax, (name, vectors) in zip(axes, [("임베딩 테이블(입력)", model.embedding.weight),
                                      ("출력층의 행", model.fc.weight)]):
    points, share = pca_2d(vectors)
    for group in GROUPS:
        mask = torch.tensor([g == group for g in group_of])
        ax.scatter(points[mask, 0], points[mask, 1], color=colours[group], label=group, s=18)
    for (x, y), word, group in zip(points.tolist(), chosen, group_of):
        ax.annotate(word, (x, y), fontsize=8, color=colours[group], xytext=(3, 2), textcoords="offset points")
    ax.set_title(f"{name}: 두 방향이 퍼짐의 {share:.0%}를 담음")
    ax.set_xlabel("첫째 주성분 방향")
    ax.set_ylabel("둘째 주성분 방향")
    print(f"{name}: 두 방향이 퍼짐의 {share:.1%}를 담습니다; 가장 가까운 이웃이 같은 그룹인 단어: "
          f"{describe_groups(same_group_neighbours(vectors))}")
axes[0].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# 가장 가까운 이웃을 무작위로 고른다면 같은 그룹일 확률은 4분의 1 정도일 것입니다(50개 중 12개
# 남짓). 임베딩 테이블은 그보다 나은 50개 중 33개인데, 대부분 숫자(12개 중 11개, 지도에서도 한쪽에 따로
# 모여 있습니다)와 재료(14개 중 11개) 덕분입니다. 출력층은 50개를 모두 맞히고, 지도에서도 네 그룹이
# 네 영역으로 나뉩니다. (PCA는 그룹을 전혀 모르며, 축의 부호에는 의미가 없습니다.)
#
# ## 7.4 가중치 묶기: 읽을 때와 점수 매길 때 같은 테이블
#
# 정리하면 모델에는 단어마다 행이 있는 테이블이 두 개 있습니다. 단어를 읽는 `embedding`과, 그 단어를
# 다음 단어 후보로서 점수 매기는 `fc`입니다. 그리고 어떤 단어들이 비슷한지 배운 것은 두 번째뿐입니다.
# **가중치 묶기**(weight tying; Press와 Wolf, 2017; Inan, Khosravi와 Socher, 2017)는 두 곳에 행렬
# 하나를 씁니다. `fc.weight`가 곧 `embedding.weight` *그 자체*입니다. 그러면 모든 위치에서 출력층이
# 받는 기울기가 LSTM이 읽는 행까지 훈련하므로, 비슷하게 쓰이는 단어는 무작위 코드 대신 비슷한 입력
# 벡터를 얻습니다. 또 모델이 저장하고 맞춰야 할 어휘 크기의 테이블이 하나 줄어듭니다. 대신 행의
# 길이가 $h$와 같아야 합니다. 임베딩 크기 = 은닉 크기입니다.
#
# `LSTMLM(..., tie_weights=True)`가 이렇게 합니다. 묶인 테이블은 출력층이 보통 그렇듯 작게([-0.1, 0.1]의
# 균등분포) 시작합니다. 묶기만 다른 두 모델을 훈련합니다. `quick` 프리셋(preset)(훈련(training)은
# 노트북 5에서 설명합니다)으로 모든 레시피를 한 에폭(epoch) 훈련하고, 둘 다 묶을 수 있도록 단어 벡터를
# 128로 맞춥니다. CPU에서 두 모델을 합쳐 30초에서 1분 30초쯤 걸립니다.

# %% tags=["nbval-ignore-output"]
from lstm_tutorial import PRESETS, Trainer

small = PRESETS["quick"].updated(max_recipes=None, embedding_dim=128, hidden_dim=128, precision="float32")
runs = {}
for tied in (False, True):
    trainer = Trainer.from_config(small.updated(tie_weights=tied), device="cpu", progress=False)
    starts = {"embedding": trainer.model.embedding.weight.detach().clone(),
              "output layer": trainer.model.fc.weight.detach().clone()}
    trainer.fit()
    runs["tied" if tied else "untied"] = trainer, starts

# %% [markdown]
# 두 모델(묶지 않은 `untied`, 묶은 `tied`)마다 파라미터 수(공유된 행렬은 한 번만 셉니다)와 검증 손실을
# 출력하고, 테이블마다 자주 나오는 단어의 행이 시작점에서 얼마나 돌아갔는지와 7.3절의 그룹 검사 결과를
# 출력합니다.

# %%
for name, (trainer, starts) in runs.items():
    small_model, small_vocab = trainer.model, trainer.vocab
    print(f"{name}: 파라미터 {sum(p.numel() for p in small_model.parameters()):,}개, "
          f"검증 손실 {trainer.history[-1]['val_loss']:.3f}")
    shared = small_model.fc.weight is small_model.embedding.weight
    tables = [("임베딩 = 출력층" if shared else "임베딩", small_model.embedding.weight, starts["embedding"])]
    if not shared:
        tables.append(("출력층", small_model.fc.weight, starts["output layer"]))
    for table, vectors, table_start in tables:
        turned = F.cosine_similarity(vectors.detach(), table_start, dim=1)[FREQUENT].mean()
        print(f"  {table:10} 시작점과의 코사인 {turned:.2f}; 가장 가까운 이웃이 같은 그룹인 단어: "
              f"{describe_groups(same_group_neighbours(vectors, small_vocab))}")
    show_neighbours(small_model.embedding.weight, ["butter", "minutes", "chicken", "stir", "onion"], 4, small_vocab)

untied, tied = runs["untied"][0].model, runs["tied"][0].model
assert tied.fc.weight is tied.embedding.weight and untied.fc.weight is not untied.embedding.weight

# %% [markdown]
# 묶기는 파라미터를 384,000개(단어 3,000개 × 128), 묶지 않은 모델의 43%만큼 줄이면서도 여기서는 아무
# 대가를 치르지 않습니다. 검증 손실은 묶은 모델이 3.603, 묶지 않은 모델이 3.616입니다(한 번씩만
# 훈련했으므로 이만큼 작은 차이는 시드가 달라지면 뒤집힐 수 있습니다). 묶지 않은 모델은 책 모델과
# 같은 이야기를 되풀이합니다. 임베딩 행은 시작점 근처에 머물러(코사인 0.95) `onion`의 이웃이
# `christmas`, `lassi` 같은 단어이고, 출력 행은 멀리 돌아가(코사인 0.11) 50개 단어를 모두 제 그룹에
# 모읍니다. 묶은 테이블도 거의 그만큼 돌아갔고(0.15) 역시 50개를 모두 맞히므로, 이제 LSTM이 읽는
# 행에서도 `onion`이 `onions`, `garlic` 옆에 놓입니다. (돌아간 정도의 일부는 그저 시작점이 작은 탓이며,
# 묶지 않은 모델의 출력 행도 마찬가지입니다.)
#
# 패키지의 기본 사전 훈련된 모델 `pretrained_generator()`(이름 `"recipes"`: 크기 256인 층 2개, 검증
# 퍼플렉서티(perplexity) 20.6)는 가중치를 묶은 모델입니다. 어휘가 책 모델과 같으므로, 그 하나뿐인
# 테이블을 책 모델의 두 테이블과 나란히 놓고 비교할 수 있습니다.

# %%
recipes_model, _, recipes_checkpoint = pretrained_model("recipes", "cpu")
assert recipes_model.fc.weight is recipes_model.embedding.weight
print(f"recipes 모델: 층 {recipes_model.lstm.num_layers}개, 크기 {recipes_model.lstm.hidden_size}, "
      f"검증 퍼플렉서티 {math.exp(recipes_checkpoint['val_loss']):.1f}")
for name, vectors in [("책 모델 임베딩", model.embedding.weight), ("책 모델 출력층", model.fc.weight),
                      ("recipes(묶음)", recipes_model.embedding.weight)]:
    print(f"{name}: 가장 가까운 이웃이 같은 그룹인 단어: {describe_groups(same_group_neighbours(vectors))}")
show_neighbours(recipes_model.embedding.weight, ["butter", "oven", "sugar", "lemon"])

# %% [markdown]
# 하나뿐인 테이블이 책 모델의 출력 행처럼 50개 단어를 모두 제 그룹에 모으고, 이웃도 요리사가 고를 법한
# 단어들입니다. `butter` 옆에는 `margarine`, `shortening`, `ghee`, `lard`가, `lemon` 옆에는 `lime`,
# `orange`가 있습니다.
#
# ## 7.5 실제 레시피를 읽는 동안의 게이트와 셀 상태
#
# 노트북 2의 한 스텝을 떠올려 봅시다. LSTM은 $W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}$(i, f, g, o
# 순서로 쌓여 있습니다)에서 입력 게이트(input gate) $i_t = \sigma(\cdot)$(얼마나 쓸지), 망각
# 게이트(forget gate) $f_t = \sigma(\cdot)$(메모리를 얼마나 유지할지), 후보 $g_t = \tanh(\cdot)$(무엇을
# 쓸지), 출력 게이트(output gate) $o_t = \sigma(\cdot)$(얼마나 보여 줄지)를 계산합니다. 그다음 **셀
# 상태**(cell state) $c_t = f_t \odot c_{t-1} + i_t \odot g_t$와 출력, 곧 은닉 상태(hidden state)
# $h_t = o_t \odot \tanh(c_t)$를 계산합니다. 128개 위치 하나하나를 **유닛**(unit)이라고 부릅니다.
# `nn.LSTM`은 $h$와 마지막 $c$만 돌려주므로, 훈련된 LSTM을 직접 한 스텝씩 돌리고 그 결과를 `nn.LSTM`,
# 그리고 `torch.lstm_cell`(생성기가 쓰는 한 스텝 함수)과 대조합니다.

# %%
def trace(ids: list[int]) -> dict[str, torch.Tensor]:
    """모델의 LSTM을 0에서 시작해 `ids` 위로 한 스텝씩 돌립니다. 모든 스텝의 i, f, g, o, c, h, 각각 [steps, 128]."""
    lstm = model.lstm
    h, c = torch.zeros(lstm.hidden_size), torch.zeros(lstm.hidden_size)
    steps = {name: [] for name in "ifgoch"}
    with torch.no_grad():
        for x_t in model.embedding(torch.tensor(ids)):
            gates = lstm.weight_ih_l0 @ x_t + lstm.bias_ih_l0 + lstm.weight_hh_l0 @ h + lstm.bias_hh_l0
            i, f, g, o = gates.chunk(4)  # 각각 [128], PyTorch의 순서
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g  # 메모리의 일부를 유지하고, 후보의 일부를 씀
            h = o * torch.tanh(c)  # 메모리의 일부를 보여 줌
            for name, value in zip("ifgoch", (i, f, g, o, c, h)):
                steps[name].append(value)
    return {name: torch.stack(values) for name, values in steps.items()}


kheer = next(text for text in heldout if text.startswith("Recipe for Kheer"))
kheer_ids = vocab.encode(kheer)
kheer_tokens = tokenize(kheer)
kheer_steps = trace(kheer_ids)

lstm = model.lstm
with torch.no_grad():
    output, (h_n, c_n) = lstm(model.embedding(torch.tensor([kheer_ids])))
    h, c = torch.zeros(1, 128), torch.zeros(1, 128)
    for x_t in model.embedding(torch.tensor(kheer_ids)):
        h, c = torch.lstm_cell(x_t[None], (h, c), lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
torch.testing.assert_close(kheer_steps["h"], output[0])  # 모든 스텝의 h
torch.testing.assert_close(kheer_steps["c"][-1], c_n[0, 0])  # 마지막 c
torch.testing.assert_close((kheer_steps["h"][-1], kheer_steps["c"][-1]), (h[0], c[0]))
print(f"토큰 {len(kheer_ids)}개(모델이 모르는 토큰 {sum(i == vocab.unk_idx for i in kheer_ids)}개): "
      "모든 스텝의 h와 마지막 c가 nn.LSTM, torch.lstm_cell과 일치합니다")
print(kheer)

# %% [markdown]
# 키르(kheer, 인도식 쌀 푸딩)는 보류 레시피로, 제목과 숫자, 괄호 두 쌍이 들어 있습니다. 아래 히트맵은
# 유닛마다 행이 하나, 토큰마다 열이 하나이고, 각 칸은 그 토큰을 읽은 뒤의 값으로 칠해집니다. 셀 상태의
# 색은 ±10에서 더 진해지지 않습니다.

# %%
fig, axes = plt.subplots(4, 1, figsize=(16, 17), sharex=True)
for ax, (name, title) in zip(axes, [("i", "입력 게이트 i"), ("f", "망각 게이트 f"), ("o", "출력 게이트 o"),
                                    ("c", "셀 상태 c")]):
    colours = dict(cmap="RdBu_r", vmin=-10, vmax=10) if name == "c" else dict(cmap="viridis", vmin=0, vmax=1)
    image = ax.imshow(kheer_steps[name].T, aspect="auto", interpolation="nearest", **colours)
    ax.set_ylabel("유닛")
    ax.set_title(f"{title}: 각 토큰을 읽은 뒤")
    fig.colorbar(image, ax=ax, pad=0.01)
axes[-1].set_xticks(range(len(kheer_tokens)), kheer_tokens, rotation=90, fontsize=8)
plt.tight_layout()
plt.show()

for name in "ifo":
    values = kheer_steps[name]
    print(f"{name}: 평균 {values.mean():.2f}; 0.1 미만: {(values < 0.1).float().mean():.0%}, "
          f"0.9 초과: {(values > 0.9).float().mean():.0%}")
c_abs = kheer_steps["c"].abs()
print(f"c: {kheer_steps['c'].min():.1f}에서 {kheer_steps['c'].max():.1f}까지; 평균 |c|는 토큰 10개 뒤 "
      f"{c_abs[9].mean():.1f}, 40개 뒤 {c_abs[39].mean():.1f}, 전체 {len(kheer_ids)}개 뒤 {c_abs[-1].mean():.1f}")

# %% [markdown]
# - 망각 게이트는 대부분 열려 있습니다(값의 79%가 0.9 초과). 대부분의 유닛이 토큰에서 토큰으로 넘어갈
#   때 메모리 대부분을 유지한다는 뜻입니다. 어두운 칸은 메모리를 지우는 유닛입니다.
# - 입력 게이트도 대부분 열려 있습니다(평균 0.70).
# - 출력 게이트는 켜짐과 꺼짐이 가장 뚜렷합니다(값의 41%가 0.1 미만, 36%가 0.9 초과). 토큰마다 어떤
#   유닛이 자기 메모리를 $h$에 보여 줄지 고르는 셈입니다.
# - $f$가 1에 가까우면 $c_t \approx c_{t-1} + i_t g_t$는 쓰인 값을 계속 더해 가므로, 많은 유닛이 0에서
#   멀어집니다. 평균 $|c|$는 토큰 10개 뒤 3.6, 전체 71개 뒤 9.3이고, 극값은 -39와 50입니다. $|c|$가 큰
#   곳에서는 $\tanh(c) = \pm 1$이므로 $h$는 $\pm o$만 보여 줍니다.
#
# 어떤 토큰에서 유닛들이 잊을까요? 보류 레시피 177개 전체(훈련 때처럼 200토큰에서 자름)에서 30번 이상
# 나온 토큰마다, 망각 게이트가 0.5 아래로 떨어지는 유닛의 비율을 구합니다.

# %%
traces, token_lists = [], []
for seq in tqdm(encode_recipes(heldout, vocab, config.max_len), desc="보류 레시피"):
    ids = seq[:-1]  # 모델의 입력: 마지막 타깃을 뺀 전부
    traces.append(trace(ids))
    token_lists.append([vocab.idx2token[i] for i in ids])
all_tokens = [token for tokens in token_lists for token in tokens]
forgetting = torch.cat([steps["f"] for steps in traces]).lt(0.5).float().mean(dim=1)  # [tokens]
print(f"보류 레시피 {len(traces)}개의 토큰 {len(all_tokens):,}개; 한 토큰에서 평균 {forgetting.mean():.1%}의 "
      "유닛이 잊습니다")

by_token = {}
for token, share in zip(all_tokens, forgetting.tolist()):
    by_token.setdefault(token, []).append(share)
ranked = sorted((sum(shares) / len(shares), token) for token, shares in by_token.items() if len(shares) >= 30)
print("가장 많이 잊는 토큰: " + ", ".join(f"{token!r} {share:.0%}" for share, token in ranked[::-1][:10]))
print("가장 적게 잊는 토큰: " + ", ".join(f"{token!r} {share:.1%}" for share, token in ranked[:8]))

# %% [markdown]
# 한 토큰에서 평균 9.8%의 유닛이 잊습니다. 가장 많이 잊는 곳은 무언가가 시작되는 곳입니다.
# `recipe`(53%; 어차피 이때는 메모리가 비어 있습니다), 조리 단계를 여는 동사(`preheat`, `serve`, `set`,
# `pour`), 그리고 `(`입니다. 가장 적게 잊는 곳은 구절의 한가운데입니다. `/`(1/2의 빗금), `of`, `the`,
# `and`. 조리 단계가 어디서 시작되는지 아무도 알려 주지 않았지만, 모델은 그곳에서 메모리의 일부를
# 비우도록 배웠습니다.
#
# ## 7.6 무언가를 추적하는 유닛 찾기
#
# Karpathy, Johnson, Fei-Fei(*Visualizing and Understanding Recurrent Networks*, 2015)는 문자 수준
# LSTM에서 따옴표 안에서 켜지거나 한 줄의 글자 수를 세는 셀을 찾아냈습니다. 우리는 모든 토큰에
# 대해(그 토큰을 읽은 뒤) 특성 네 가지를 정의합니다. **제목 안**(`|`까지), **괄호 안**, **숫자 직후**(방금
# 숫자를 읽음), **위치**(읽은 토큰 수)입니다. 유닛마다($c$의 128개, $h$의 128개) 보류 레시피의 모든
# 토큰에 걸쳐 각 특성과의 **피어슨 상관계수**(Pearson's correlation) $r$을 계산합니다. 공분산을 두
# 표준편차의 곱으로 나눈 값으로, 유닛이 배율만 빼고 특성과 정확히 같이(또는 반대로) 움직이면 $\pm 1$,
# 직선 관계가 전혀 없으면 0입니다.

# %%
FEATURES = ["제목 안", "괄호 안", "숫자 직후", "위치"]


def features(tokens: list[str]) -> torch.Tensor:
    """[tokens, 4]: 위의 네 특성, 각 토큰을 읽은 뒤의 값."""
    title_end = tokens.index("|") if "|" in tokens else len(tokens)
    depth, rows = 0, []
    for t, token in enumerate(tokens):
        depth = depth + 1 if token == "(" else max(depth - 1, 0) if token == ")" else depth
        rows.append([t < title_end, depth > 0, token.isdigit(), t + 1])
    return torch.tensor(rows, dtype=torch.float)


def correlation(values: torch.Tensor, feature: torch.Tensor) -> torch.Tensor:
    """`values` [tokens, units]의 각 열과 `feature` [tokens] 사이의 피어슨 r: [units]."""
    values, feature = values - values.mean(dim=0), feature - feature.mean()
    return (values * feature[:, None]).sum(dim=0) / (values.norm(dim=0) * feature.norm())


cells = torch.cat([steps["c"] for steps in traces])  # [tokens, 128]
outputs = torch.cat([steps["h"] for steps in traces])
feature_rows = torch.cat([features(tokens) for tokens in token_lists])  # [tokens, 4]
assert (feature_rows[:, 0].sum() > 0) and len(feature_rows) == len(cells)

best_units = {}
print(f"{'특성':13} {'토큰 비율':>6} {'최고 c 유닛':>7} {'r':>7} {'최고 h 유닛':>7} {'r':>7}")
for k, name in enumerate(FEATURES):
    r_c, r_h = correlation(cells, feature_rows[:, k]), correlation(outputs, feature_rows[:, k])
    unit_c, unit_h = int(r_c.abs().argmax()), int(r_h.abs().argmax())
    share = f"{feature_rows[:, k].mean():.1%}" if name != "위치" else f"평균 {feature_rows[:, k].mean():.0f}"
    print(f"{name:12} {share:>10} {f'c[{unit_c}]':>11} {r_c[unit_c]:+7.3f} {f'h[{unit_h}]':>11} {r_h[unit_h]:+7.3f}")
    best_units[name] = ("c", unit_c, float(r_c[unit_c])) if abs(r_c[unit_c]) >= abs(r_h[unit_h]) else \
        ("h", unit_h, float(r_h[unit_h]))

# %% [markdown]
# 토큰 21,328개에 걸친 값이므로 우연은 아니지만, 그 세기는 제각각입니다. 위치와 `c[111]`은
# $r = -0.73$, 제목과 `h[31]`은 $+0.53$, 괄호와 `h[61]`은 $-0.46$이고, 숫자에서는 가장 좋은 유닛인
# `h[122]`도 $-0.28$에 그칩니다. 하지만 $r$은 특성이 0인 곳에서 유닛이 하는 일까지 함께 세므로 유닛을
# 과소평가할 수 있습니다. 그래서 다르게 한 번 더 봅니다. 출력 유닛이 자기 $r$의 방향으로 0.5를 넘는
# 곳을 유닛이 **켜진**(on) 곳이라고 합시다. 유닛이 켜진 곳에서 특성은 얼마나 자주 성립하고, 특성이
# 성립하는 토큰 중 얼마에서 유닛이 켜져 있을까요? 위치 유닛은 레시피 하나하나 안에서의 $r$과 토큰당
# 변화량을 봅니다.

# %%
print(f"{'특성':13} {'유닛':>5} {'켜진 비율':>5} {'켜진 곳에서 특성 성립':>12} {'특성 토큰 중 유닛 켜짐':>13}")
for k, name in enumerate(FEATURES[:3]):
    r_h = correlation(outputs, feature_rows[:, k])
    unit = int(r_h.abs().argmax())
    on = torch.sign(r_h[unit]) * outputs[:, unit] > 0.5
    feature = feature_rows[:, k] > 0
    print(f"{name:12} {f'h[{unit}]':>7} {on.float().mean():>9.1%} {feature[on].float().mean():>21.0%} "
          f"{on[feature].float().mean():>22.0%}")

kind, unit, _ = best_units["위치"]
per_recipe_r, slopes = [], []
for steps in traces:
    if len(steps[kind]) >= 20:
        values = steps[kind][:, unit]
        per_recipe_r.append(float(correlation(values[:, None], torch.arange(len(values), dtype=torch.float))))
        slopes.append(float(values[-1] - values[0]) / (len(values) - 1))
per_recipe_r, slopes = sorted(per_recipe_r), sorted(slopes)
print(f"\n위치, {kind}[{unit}], 20토큰 이상인 레시피 {len(slopes)}개 각각의 안에서: r의 중앙값 "
      f"{per_recipe_r[len(slopes) // 2]:+.2f}; 토큰당 변화량 {slopes[0]:+.2f}에서 {slopes[-1]:+.2f}까지 "
      f"(중앙값 {slopes[len(slopes) // 2]:+.2f})")

# %% [markdown]
# - `h[61]`은 괄호 유닛입니다. 이 유닛이 켜진 곳의 96%에서 토큰이 괄호 안에 있고, 괄호 안 토큰의
#   83%에서 이 유닛이 켜져 있습니다. $r$이 그리 높지 않은 것은 괄호 밖에서 0과 +1 사이를 오가기
#   때문입니다.
# - `h[31]`은 제목 토큰의 90%에서 켜지고, 켜진 곳의 64%가 제목 안입니다. 오경보가 섞인 제목 유닛입니다.
# - `h[122]`는 숫자의 99%에서 켜지지만 전체 토큰의 3분의 1에서도 켜집니다. 숫자 검출기는 아닙니다.
# - `c[111]`은 셉니다. 레시피 하나 안에서는 거의 직선으로 떨어지지만(중앙값 $r$ -0.94), 떨어지는
#   속도가 레시피마다 달라서(토큰당 0.03에서 0.65) 모든 레시피에 걸친 $r$은 -0.73에 그칩니다.
#
# 키르 레시피 위에서 각 특성의 최고 유닛을 그립니다. 특성이 성립하는 토큰은 음영으로 표시했습니다.

# %%
kheer_features = features(kheer_tokens)
fig, axes = plt.subplots(4, 1, figsize=(16, 11), sharex=True)
for k, (ax, name) in enumerate(zip(axes, FEATURES)):
    kind, unit, r = best_units[name]
    ax.plot(kheer_steps[kind][:, unit], color="black", marker=".")
    if name != "위치":
        for t in torch.nonzero(kheer_features[:, k]).flatten().tolist():
            ax.axvspan(t - 0.5, t + 0.5, color="tab:orange", alpha=0.3, linewidth=0)
    ax.set_ylabel(f"{kind}[{unit}]")
    shaded = " (음영)" if name != "위치" else ""
    ax.set_title(f"{name}{shaded}: 유닛 {kind}[{unit}], 보류 레시피 전체에서 r = {r:+.2f}")
axes[-1].set_xticks(range(len(kheer_tokens)), kheer_tokens, rotation=90, fontsize=8)
plt.tight_layout()
plt.show()


kind, unit, _ = best_units["제목 안"]
title_end = kheer_tokens.index("|")
title_values = kheer_steps[kind][: title_end + 1, unit]
print(f"{kind}[{unit}], 제목에서: " + ", ".join(f"{token} {value:+.2f}"
                                            for token, value in zip(kheer_tokens, title_values.tolist())))
print(f"{kind}[{unit}], 조리법에서: {kheer_steps[kind][title_end + 1:, unit].min():+.2f}에서 "
      f"{kheer_steps[kind][title_end + 1:, unit].max():+.2f}까지")
kind, unit, _ = best_units["위치"]
counter = kheer_steps[kind][:, unit]
print(f"{kind}[{unit}], 레시피 전체에서: {counter[0]:+.1f}에서 {counter[-1]:+.1f}까지, 스텝 "
      f"{len(counter) - 1}개 중 {int((counter.diff() < 0).sum())}개에서 감소")

# %% [markdown]
# `h[31]`은 제목 내내 +0.72에서 +1.00 사이인데, 모델이 모르는 유일한 단어인 `kheer`(모델은 `<UNK>`로
# 읽습니다)에서만 +0.36이고, 조리법에서는 -0.99에서 +0.41까지 오르내립니다. `h[61]`은 두 괄호 안에서
# 모두 음수입니다(가장 낮을 때 -0.98, `about`에서는 0). `h[122]`는 두 숫자 `20`과 `5`에서 -1이지만,
# 다른 많은 토큰(`rice`, `until`, `serve`)에서도 그만큼 낮습니다. `c[111]`은 -1.0에서 -32.3까지, 70스텝
# 중 55스텝에서 떨어집니다.
#
# ## 7.7 이어받은 상태와 0 상태
#
# 상태 $(h, c)$는 모델이 지금까지 읽은 것에 대해 아는 전부입니다. 이 상태는 얼마나 중요할까요? 62토큰
# 이상인 보류 레시피를 모두 반으로 나누고 뒷부분을 두 번 평가합니다. **이어받기**(carried: 앞부분을 읽은
# 상태에서 계속)와 **초기화**(reset: 0에서 시작)입니다. 뒷부분의 첫 단어는 읽기만 하고 평가하지
# 않습니다. 위치마다 손실(**내트(nats)** 단위, 즉 자연로그)의 평균과, 이어받은 다음 단어 분포 $P$에서
# 초기화한 분포 $Q$까지의 **KL 발산**(KL divergence)
# $\mathrm{KL}(P \| Q) = \sum_w P(w) \log \frac{P(w)}{Q(w)}$의 평균을 구합니다. 두 분포가 같으면 0이고,
# 다를수록 커집니다.

# %%
long_recipes = [seq for seq in encode_recipes(heldout, vocab, config.max_len) if len(seq) >= 62]
POSITIONS = 30  # 모든 뒷부분에 타깃이 30개 이상 있음


def zeros(state):
    return tuple(torch.zeros_like(part) for part in state)


def second_half_scores(change_state) -> dict:
    """모든 뒷부분의 처음 POSITIONS개 타깃에 대해, 이어받은 상태와 change_state(state)로 바꾼 상태의 위치별
    손실, 둘 사이의 KL, 그리고 뒷부분 전체의 두 가지 퍼플렉서티."""
    sums = {"carried": torch.zeros(POSITIONS), "changed": torch.zeros(POSITIONS), "kl": torch.zeros(POSITIONS)}
    totals = {"carried": 0.0, "changed": 0.0}
    targets_scored = 0
    with torch.no_grad():
        for seq in long_recipes:
            half = len(seq) // 2
            _, state = model(torch.tensor([seq[:half]]))  # 앞부분을 읽음
            second = torch.tensor(seq[half:])
            log_p = F.log_softmax(model(second[None, :-1], state)[0][0], dim=-1)  # 이어받기
            log_q = F.log_softmax(model(second[None, :-1], change_state(state))[0][0], dim=-1)
            targets = second[1:]
            for key, log_probs in [("carried", log_p), ("changed", log_q)]:
                losses = -log_probs.gather(1, targets[:, None])[:, 0]
                sums[key] += losses[:POSITIONS]
                totals[key] += float(losses.sum())
            sums["kl"] += (log_p.exp() * (log_p - log_q)).sum(dim=-1)[:POSITIONS]
            targets_scored += len(targets)
    means = {key: value / len(long_recipes) for key, value in sums.items()}
    means["perplexity"] = {key: math.exp(total / targets_scored) for key, total in totals.items()}
    return means


reset = second_half_scores(zeros)
print(f"레시피 {len(long_recipes)}개; 뒷부분의 퍼플렉서티: "
      f"이어받기 {reset['perplexity']['carried']:.1f}, 초기화 {reset['perplexity']['changed']:.1f}")
for k in [0, 1, 4, 9, 19, 29]:
    print(f"  위치 {k + 1:2}: 손실 이어받기 {reset['carried'][k]:.2f}, 초기화 {reset['changed'][k]:.2f}, "
          f"KL {reset['kl'][k]:.3f}내트")
assert reset["perplexity"]["changed"] > reset["perplexity"]["carried"]

fig, (ax_loss, ax_kl) = plt.subplots(1, 2, figsize=(12, 4))
positions = range(1, POSITIONS + 1)
ax_loss.plot(positions, reset["carried"], marker=".", label="이어받기")
ax_loss.plot(positions, reset["changed"], marker=".", label="0으로 초기화")
ax_loss.set_xlabel("뒷부분에서의 위치")
ax_loss.set_ylabel("평균 손실(내트)")
ax_loss.set_title("실제 다음 단어의 손실")
ax_loss.legend()
ax_kl.plot(positions, reset["kl"], marker=".", color="tab:red")
ax_kl.set_xlabel("뒷부분에서의 위치")
ax_kl.set_ylabel("평균 KL(내트)")
ax_kl.set_title("KL(이어받기 || 초기화)")
plt.tight_layout()
plt.show()

# %% [markdown]
# 0으로 초기화하면 모델의 첫 추측이 훨씬 나빠집니다. 손실이 이어받을 때의 3.49내트에 비해 7.37내트이고,
# KL은 4.0내트입니다. 읽어 나가면서 모델은 따라잡습니다. 10번째 단어에서 손실은 3.64와 3.46(KL 0.25)이고,
# 30번째에서는 두 분포가 거의 같습니다(KL 0.045). 뒷부분 전체의 퍼플렉서티는 초기화하면 44.6,
# 이어받으면 35.3입니다. 상태는 다음 열 단어 남짓에서 가장 중요하고, 그 뒤로는 모델이 텍스트를 읽으며
# 상당 부분을 다시 만들어 냅니다. 생성기가 단어에서 단어로 상태를 넘겨주는 이유가 여기에 있습니다(노트북 2).
#
# ## 7.8 새 글인가, 인용인가? 새로움 점검
#
# 충분히 큰 모델은 훈련 텍스트를 외울 수 있습니다. 우리 모델도 그럴까요? 시드를 정해 최대 60토큰의
# 레시피 20개를 온도(temperature) $T = 0.8$로 생성하고, 각각의 **가장 긴 복사 구간**(연속된 토큰 $n$개가
# 말뭉치의 한 레시피에도 같은 순서로 나오는 가장 큰 $n$; 패키지의 `CopyFinder`가 찾습니다)과, **제목**이
# 말뭉치의 어떤 제목과 정확히 같은지를 잽니다. 레시피에는 흔히 쓰는 상투 문구가 있으므로, 비교 기준으로
# 사람이 썼고 모델이 본 적 없는 보류 레시피 20개의 처음 62토큰도 똑같이 잽니다. (`CopyFinder`의
# 테이블을 만드는 데 몇 초와 1~2GB의 메모리가 듭니다.)

# %%
generator = TextGenerator(model, vocab)
samples = generator.sample("recipe for", num_samples=20, max_tokens=60, temperature=0.8, seed=0)

corpus_tokens = [tokenize(text) for text in corpus]
finder = CopyFinder(corpus_tokens)


def title_tokens(tokens: list[str]) -> tuple[str, ...] | None:
    """첫 "|" 앞의 토큰들("|"가 없으면 None)."""
    return tuple(tokens[: tokens.index("|")]) if "|" in tokens else None


corpus_titles = {title_tokens(tokens) for tokens in corpus_tokens}
sample_runs = [finder.longest_run(tokenize(text)) for text in tqdm(samples, desc="샘플")]
copied_titles = [" ".join(title_tokens(tokenize(text))) for text in samples if title_tokens(tokenize(text)) in corpus_titles]
heldout_runs = [finder.longest_run(tokenize(text)[:62]) for text in tqdm(heldout[:20], desc="보류 레시피")]

print("구간  제목 복사?  샘플")
for text, run in zip(samples, sample_runs):
    copied = title_tokens(tokenize(text)) in corpus_titles
    print(f"{run:4}  {'O' if copied else 'X':10}  {text[:95]}{'...' if len(text) > 95 else ''}")
print(f"\n가장 긴 복사 구간의 중앙값: 샘플 {sorted(sample_runs)[10]}, 보류 레시피 {sorted(heldout_runs)[10]}; "
      f"최댓값: 샘플 {max(sample_runs)}, 보류 레시피 {max(heldout_runs)}")
longest = tokenize(samples[sample_runs.index(max(sample_runs))])
run = max(sample_runs)
window = next(longest[i : i + run] for i in range(len(longest) - run + 1) if finder.copies(longest[i : i + run], run))
print(f"샘플이 복사한 가장 긴 구간: {' '.join(window)!r}")
print(f"말뭉치에서 복사한 제목: {len(samples)}개 중 {len(copied_titles)}개: {copied_titles}")
del finder  # n-gram 테이블의 메모리를 돌려줌

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
bins = range(0, max(sample_runs + heldout_runs) + 2)
ax.hist([sample_runs, heldout_runs], bins=bins, label=["T = 0.8 샘플 20개", "보류 레시피 20개(62토큰)"],
        align="left")
ax.set_xlabel("말뭉치의 한 레시피에도 있는 가장 긴 토큰 구간")
ax.set_ylabel("텍스트 수")
ax.legend()
plt.show()

# %% [markdown]
# 조리법 부분은 새 글입니다. 샘플이 말뭉치에서 복사한 구간은, 모델이 본 적 없는 실제 레시피가 말뭉치와
# 우연히 공유하는 구간보다 길지 않습니다(가장 긴 복사 구간의 중앙값 7토큰 대 8토큰, 최댓값 13 대 17).
# 샘플이 복사한 가장 긴 구간은 상투 문구 `| preheat oven to 350 ° f ( 180 ° c ) .`이고, 이런 문구 사이는
# 새로 이어 붙인 것이라 말이 안 될 때가 많습니다("melt the water in a large bowl until firm"). 제목은
# 사정이 다릅니다. 20개 중 6개(`steak rub`, `alfredo sauce`...)가 말뭉치의 제목과 한 단어도 다르지
# 않습니다. 다만 그 레시피까지 이어서 복사한 경우는 없습니다(이들의 가장 긴 복사 구간은 6~8토큰).
# 나머지 제목은 새로 만든 것으로, 그럴듯한 것도 있고(`spicy chicken soup`) 그렇지 않은 것도
# 있습니다(`stewed bring beef stew`).
#
# ## 요약
#
# - 책 모델에서 어떤 단어들이 비슷한지 배운 것은 출력 행뿐입니다. 가중치를 묶으면 LSTM이 읽는 행도
#   의미를 갖게 되고 어휘 크기의 테이블 하나가 줄어듭니다. 기본 `recipes` 모델은 가중치를 묶은
#   모델입니다.
# - 많은 유닛의 망각 게이트가 조리 단계가 시작되는 곳에서 닫힙니다. 괄호, 제목, 읽은 토큰 수를 추적하는
#   유닛이 몇 개 있습니다. 이어받은 상태는 열 단어 정도까지 중요합니다. 샘플은 상투 문구와 제목 20개 중
#   6개를 복사하지만, 레시피를 복사하지는 않습니다.
#
# ## 연습 문제
#
# **1. 예측하고 실행하기.** 책 모델의 출력층과 임베딩 테이블, 그리고 가중치를 묶은 `recipes` 모델에서
# `teaspoon`, `simmer`, `lemon`에 가장 가까운 단어는 무엇일까요? 먼저 추측한 다음 실행해 보세요.

# %%
for table, vectors in [("책 모델 출력층", model.fc.weight), ("책 모델 임베딩", model.embedding.weight),
                       ("recipes(묶음)", recipes_model.embedding.weight)]:
    print(table)
    show_neighbours(vectors, ["teaspoon", "simmer", "lemon"])

# %% [markdown]
# <details><summary>풀이</summary>
#
# 출력층에서 `teaspoon`은 단위들(`tsp` 0.81, `cup`) 사이에, `simmer`는 조리 동사들(`boil` 0.78,
# `cook`) 사이에 있지만, `lemon`은 허브들(`parsley`, `rosemary`, `thyme`) 사이에 있습니다. 과일이라서가
# 아니라 문장에서 채우는 자리 때문입니다. 책 모델의 임베딩은 대부분 잡음이지만 `lemon`에게
# `lime`(0.45)과 `orange`를 이웃으로 줍니다. 훈련이 움직인 작은 부분에도 의미가 실릴 수 있습니다. 묶은
# 테이블은 모두 갖췄습니다. 단위, 동사(`boil`, `cook`, `poach`), 감귤류(`lime` 0.56, `orange`,
# `citrus`)까지. 이 행들은 단어에 점수를 매길 때뿐 아니라 단어를 읽을 때도 배우기 때문입니다.
#
# </details>
#
# **2. 바꿔 보기: 상태의 어느 쪽이 중요할까?** 7.7절에서는 $h$와 $c$를 모두 초기화했습니다. $c$만
# 초기화해 보고($h$는 유지), 이어서 $h$만 초기화해 보세요($c$는 유지). 첫 위치에서, 그리고 그 뒤에서
# 어느 쪽의 대가가 더 클지 예측해 보세요.

# %%
keep_h = second_half_scores(lambda state: (state[0], torch.zeros_like(state[1])))  # c는 초기화, h는 유지
keep_c = second_half_scores(lambda state: (torch.zeros_like(state[0]), state[1]))  # h는 초기화, c는 유지
SHOWN = [0, 1, 4, 9, 19, 29]
print("위치 " + ", ".join(str(k + 1) for k in SHOWN) + "에서의 KL(내트); 뒷부분 퍼플렉서티")
for name, scores in [("c와 h 초기화", reset), ("c만 초기화", keep_h), ("h만 초기화", keep_c)]:
    print(f"{name:8}: " + ", ".join(f"{scores['kl'][k]:.3f}" for k in SHOWN)
          + f"; {scores['perplexity']['changed']:.1f} (이어받기 {scores['perplexity']['carried']:.1f})")
c_costs_more = int((keep_h["kl"] > keep_c["kl"]).sum())
print(f"c를 초기화할 때가 h를 초기화할 때보다 예측을 더 많이 바꾸는 위치: {POSITIONS}개 중 {c_costs_more}개")

# %% [markdown]
# <details><summary>풀이</summary>
#
# 처음 30개 위치 모두에서 $c$를 초기화하는 쪽이 $h$를 초기화하는 쪽보다 예측을 더 많이 바꿉니다. 첫
# 위치의 KL은 1.323 대 0.709내트, 10번째는 0.123 대 0.016이고, 뒷부분 퍼플렉서티는 38.4 대
# 35.9입니다(이어받으면 35.3). $c$는 1에 가까운 망각 게이트가 앞으로 실어 나르는 장기 메모리이고,
# $h = o \odot \tanh(c)$는 다음 스텝에서 $c$로부터 다시 만들어집니다. 둘 다 초기화하면(첫 위치의 KL
# 4.037) 어느 한쪽만 초기화할 때보다 훨씬 나쁩니다. 각각이 다른 쪽을 다시 만드는 데 도움이 되기
# 때문입니다.
#
# </details>
#
# **3. 예측하고 실행하기: 조리 단계.** 레시피의 조리법은 조리 단계의 목록이고, 대략 한 문장이 한
# 단계입니다. 7.6절의 최고 위치 유닛은 조리법에서 끝난 문장의 수도 추적할까요? 그것을 더 잘 추적하는
# 다른 유닛이 있을까요?

# %%
sentences_ended = []
for tokens in token_lists:
    title_end = tokens.index("|") if "|" in tokens else len(tokens)
    count = 0
    for t, token in enumerate(tokens):
        count += t > title_end and token in (".", "!", "?")
        sentences_ended.append(count)
sentences_ended = torch.tensor(sentences_ended, dtype=torch.float)

kind, unit, _ = best_units["위치"]
values = cells if kind == "c" else outputs
r_steps = correlation(values, sentences_ended)
r_all = correlation(torch.cat([cells, outputs], dim=1), sentences_ended)
best = int(r_all.abs().argmax())
print(f"위치와 끝난 문장 수: r = {correlation(feature_rows[:, 3:], sentences_ended)[0]:+.3f}")
print(f"{kind}[{unit}](최고 위치 유닛)와 끝난 문장 수: r = {r_steps[unit]:+.3f}")
print(f"끝난 문장 수의 최고 유닛: {'c' if best < 128 else 'h'}[{best % 128}], r = {r_all[best]:+.3f}")

# %% [markdown]
# <details><summary>풀이</summary>
#
# 위치와 끝난 문장 수는 함께 커지므로($r = +0.93$) `c[111]`은 둘 모두와 상관이 있고(-0.733과 -0.738),
# 끝난 문장 수에서도 최고 유닛입니다. 상관계수만으로는 이 유닛이 어느 쪽을 세는지 가릴 수 없습니다.
# 그러려면 둘이 서로 다르게 움직이는 데이터가 필요합니다. 키르 레시피의 궤적은 토큰 쪽으로 기웁니다.
# `c[111]`은 마침표마다 한 번씩 뚝 떨어지는 것이 아니라 대부분의 토큰에서(70스텝 중 55스텝) 떨어집니다.
#
# </details>
#
# **4. 책 크기에서의 가중치 묶기.** 가중치를 묶으려면 단어 벡터가 $h$와 길이가 같아야 합니다. 책의
# 어휘(단어 8,203개)와 은닉 유닛 128개에 단어 벡터 128을 씁니다. 모양(임베딩 $V \times d$, LSTM
# $4h(d + h) + 8h$, 출력층 $V h + V$)으로부터 묶지 않은 모델과 묶은 모델의 파라미터 수, 그리고 묶기로
# 줄어드는 비율을 예측한 다음 확인해 보세요.

# %%
counts = {tie: sum(p.numel() for p in LSTMLM(len(vocab), 128, 128, tie_weights=tie).parameters())
          for tie in (False, True)}
saved = counts[False] - counts[True]
print(f"묶지 않음: 파라미터 {counts[False]:,}개; 묶음: {counts[True]:,}개; 묶기로 {saved:,}개 절약 "
      f"({saved / counts[False]:.1%}) = {len(vocab):,} x 128")
print(f"(책 모델, 100/128, 묶지 않음: {sum(p.numel() for p in model.parameters()):,}개)")

# %% [markdown]
# <details><summary>풀이</summary>
#
# 임베딩은 $8{,}203 \times 128 = 1{,}049{,}984$, LSTM은 $4 \cdot 128 \cdot 256 + 8 \cdot 128 = 132{,}096$,
# 출력층은 $1{,}049{,}984 + 8{,}203$입니다. 묶지 않으면 2,240,267개, 묶으면 1,190,283개로 46.9%
# 적습니다. 정확히 $V \times d$ 테이블 하나만큼입니다. 단어 수준 모델에서는 단어 테이블이 대부분을
# 차지하므로 묶기로 모델이 거의 절반이 되고, 단어 벡터가 더 큰데도 책 모델 자신의 1,996,247개보다
# 작아집니다.
#
# </details>
