# %% [markdown]
# # 1. 토큰과 임베딩
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/ko/01_tokens_and_embeddings.ipynb)
#
# 이 노트북은 전체 8개 노트북 중 첫 번째입니다. 노트북 1~7이 본 과정이고, 노트북 8(부록)은 그 뒤에 숨은
# 엔지니어링을 다룹니다. 이 과정에서는 레시피(recipe)를 써 내는 단어 수준 LSTM을 만듭니다. 출발점은
# *Generative Deep Learning* 2판(David Foster, 이하 "책")의 LSTM 장이며, 책의 모델은 Keras로 작성되어
# 있습니다. 데이터 준비는 책의 방식을 그대로 따릅니다. Epicurious 레시피를 하나씩
# `"Recipe for {title} | {directions}"` 형태의 문자열로 만들고, 단어로 나눈 뒤 200 토큰에서 자릅니다.
# 한국어 블로그 글(이하 "블로그 글")은 책의 모델을 PyTorch로 옮겼습니다. 이 과정은 블로그 글의
# `LSTMLM`, 텍스트 생성기, 훈련 루프를 이름까지 그대로 따라갑니다.
#
# 이 노트북에서는 레시피 하나가 단어 **토큰(token)**(모델이 읽는 단위로, 단어 하나 또는 문장 부호 하나)이
# 되고, 다시 정수 **id**(어휘(vocabulary)에서 각 토큰이 갖는 번호)가 되고, 마지막으로 벡터가 되는 과정을
# 따라갑니다. 단계마다 텐서의 모양(shape)을 확인하고, 블로그 글의 `LSTMLM`의 첫 층인 `nn.Embedding`이
# 사실은 조회 테이블(lookup table), 즉 단어마다 행이 하나씩 있는 가중치 행렬일 뿐이라는 것을 확인합니다.
# 1.10절부터는 패키지에 들어 있는 사전 훈련된 모델(pretrained model)의 테이블을 열어 보고, 훈련(training)이
# 그 행들에 무엇을 했는지 살펴봅니다.

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
# 이 노트북의 계산은 모두 작아서, `device`가 무엇이든 CPU에서 실행합니다.

# %%
from collections import Counter

import matplotlib.pyplot as plt
from torch import nn

from lstm_tutorial import Vocab, detokenize, load_recipes, make_dataloaders, pretrained_model, tokenize
from lstm_tutorial.checkpoints import validation_loader
from lstm_tutorial.language import set_language

set_language("ko")  # 패널과 차트를 한국어로 (한글 글꼴 포함)

# %% [markdown]
# ## 1.1 말뭉치
#
# **말뭉치(corpus)**는 모델이 학습하는 텍스트 전체입니다. 책의 말뭉치는 Kaggle에서 내려받은 Epicurious
# 레시피 약 20,000개입니다. 이 패키지에는 책과 같은 형식의 말뭉치가 들어 있어서 과정 전체가 오프라인으로
# 실행됩니다. `load_recipes()`는 레시피 3,271개를 돌려줍니다. 앞의 320개는 이 프로젝트를 위해 언어 모델의
# 도움을 받아 쓴 것이고, 뒤의 2,951개는 Wikibooks Cookbook(CC BY-SA 4.0)에서 가져온 것입니다(각 부분의
# 출처는 README에 있습니다). 다른 레시피를 쓰려면 경로를 넘기면 됩니다(예: Epicurious의
# `full_format_recipes.json`).

# %%
texts = load_recipes(verbose=False)
original, wikibooks = load_recipes("original", verbose=False), load_recipes("wikibooks", verbose=False)
print(f"레시피 {len(texts):,}개 = 자체 제작 {len(original)}개 + Wikibooks {len(wikibooks):,}개, 레시피마다 문자열 하나")
assert list(texts) == list(original) + list(wikibooks)  # 기본 말뭉치: 두 부분을 이 순서로 이은 것

recipe = texts[0]
print(recipe[:300], "...")
print(texts[len(original)][:160], "...  <- Wikibooks의 첫 레시피")

# %% [markdown]
# ## 1.2 토큰
#
# 모델은 글자가 아니라 단어를 다룹니다. 책의 데이터 준비와 마찬가지로 `tokenize`는 텍스트를 소문자로 바꾸고,
# 단어와 문장 부호를 각각 하나의 토큰으로 만듭니다. 블로그 글의 생성기는 프롬프트(prompt)를
# `.lower().split()`으로 나누었는데, 이렇게 하면 `onion.`이 한 덩어리로 남아 어휘에 한 번도 나온 적 없는
# 단어가 됩니다. 이 패키지는 프롬프트와 훈련 텍스트를 같은 함수로 토큰화합니다.

# %%
print(tokenize("Chop 1/2 onion."))
print("Chop 1/2 onion.".lower().split(), "<- 블로그 글의 프롬프트 분할")
assert tokenize("Chop 1/2 onion.") == ["chop", "1", "/", "2", "onion", "."]

tokens = tokenize(recipe)
print(len(tokens), "<- 첫 레시피의 토큰 수")
print(tokens[:24])
print(detokenize(tokens[:24]))  # 다시 읽을 수 있는 텍스트로
assert detokenize(tokens[:24]).lower() == recipe[: len(detokenize(tokens[:24]))].lower()

# %% [markdown]
# ## 1.3 레시피는 얼마나 길까요?
#
# 책은 모든 레시피를 `max_len = 200` 토큰에서 자르고, 사전 훈련된 모델도 마찬가지입니다. 빨간 선이 그
# 한계입니다. 이 선을 넘는 토큰은 훈련 중에 한 번도 모델에 보이지 않습니다.

# %%
lengths = [len(tokenize(text)) for text in texts]
n_cut = sum(length > 200 for length in lengths)
print(f"전체 토큰 {sum(lengths):,}개; 가장 짧은 레시피 {min(lengths)}, 가장 긴 레시피 {max(lengths)}, "
      f"중앙값 {sorted(lengths)[len(lengths) // 2]}")
print(f"레시피 {len(texts):,}개 중 {n_cut}개({n_cut / len(texts):.0%})가 200 토큰보다 길어서 잘립니다")

plt.hist(lengths, bins=40)
plt.axvline(200, color="red", label="max_len = 200")
plt.xlabel("레시피당 토큰 수")
plt.ylabel("레시피 수")
plt.legend()
plt.show()

# %% [markdown]
# ## 1.4 어휘: `idx2token`과 `token2idx`
#
# **어휘(vocabulary)**는 토큰에 번호를 매깁니다. 맨 앞에는 특수 토큰 세 개가 옵니다. `<PAD>` = 0은 짧은
# 시퀀스를 채우고, `<UNK>`는 모르는 단어를 대신하며, `<EOS>`는 모든 레시피의 끝을 표시합니다. 그 뒤로
# 단어들이 많이 나오는 순서대로 이어집니다. `idx2token`은 리스트(id -> 토큰)이고 `token2idx`는
# 딕셔너리(토큰 -> id)로, 블로그 글의 `PyTorchTextGenerator`가 받는 두 대응표입니다. 책은 토큰을 최대
# 10,000개까지 둡니다. 우리 말뭉치에는 서로 다른 토큰이 8,200개뿐이라 모두 들어가고, 특수 토큰 세 개를
# 더하면 어휘 크기는 8,203입니다. 같은 말뭉치로 만들었으므로 사전 훈련된 모델의 어휘와 정확히 같습니다.
#
# 패키지에는 사전 훈련된 모델이 두 개 들어 있고, 둘 다 이 말뭉치로 훈련했습니다. 모델을 다루는 노트북들은
# `"book"`을 불러옵니다. 블로그 글의 `LSTMLM`에 책의 크기(임베딩 100, LSTM 층 하나에 128)를 적용하고
# 레시피를 통째로(배치의 한 행에 하나씩) 읽혀 훈련한 모델이라, 블로그 글이 만드는 바로 그 모델을 보게 됩니다. 이름 없이 부르는
# 기본 모델 `pretrained_generator()`는 더 크고 훈련 방식도 다릅니다(층 두 개, 임베딩과 출력 층이 행렬
# 하나를 공유, 텍스트를 하나의 긴 흐름으로 읽음). 이 모델이 레시피를 더 잘 쓰며, 노트북 6의 패널이 이
# 모델을 씁니다.

# %%
vocab = Vocab.build(texts, max_size=10000)
print(len(vocab), "<- 어휘의 토큰 수")
print(vocab.idx2token[:16])
print({word: vocab.token2idx[word] for word in ["<PAD>", "<UNK>", "<EOS>", "recipe", "for", "onion"]})
assert all(vocab.token2idx[token] == idx for idx, token in enumerate(vocab.idx2token))

model, pretrained_vocab, checkpoint = pretrained_model("book", "cpu")  # 책의 크기
assert pretrained_vocab.idx2token == vocab.idx2token
print("사전 훈련된 모델의 어휘와 같은가:", pretrained_vocab.idx2token == vocab.idx2token)

# %% [markdown]
# ## 1.5 적은 수의 단어가 텍스트 대부분을 차지합니다
#
# 단어의 빈도는 순위가 내려갈수록 빠르게 줄어들어, 몇백 개의 단어가 텍스트 대부분을 차지합니다. 그래서
# 크기를 제한한 어휘(Epicurious 전체에서는 10,000 단어)로도 잃는 것이 거의 없습니다. 빠지는 단어는 드문
# 단어이고, 이 단어들은 `<UNK>`가 됩니다.

# %%
counts = Counter(token for text in texts for token in tokenize(text))
frequencies = sorted(counts.values(), reverse=True)
covered = torch.tensor(frequencies).cumsum(0) / sum(frequencies)
print(f"서로 다른 토큰 {len(counts):,}개; 가장 많이 나오는 토큰: {counts.most_common(5)}")
for size in [100, 500, 1000, 5000]:
    print(f"가장 많이 나오는 토큰 {size:>4}개가 텍스트의 {covered[size - 1]:.1%}를 차지합니다")
print(f"한 번만 나오는 토큰: {sum(count == 1 for count in frequencies):,}개")

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.loglog(range(1, len(frequencies) + 1), frequencies)
left.set(xlabel="단어의 순위", ylabel="빈도", title="단어 빈도 (로그-로그)")
right.plot(range(1, len(covered) + 1), covered)
right.set(xlabel="어휘 크기", ylabel="어휘가 덮는 텍스트의 비율", title="커버리지")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 1.6 토큰에서 id로
#
# `vocab.encode`는 텍스트를 토큰화한 뒤 토큰마다 id를 찾고, `vocab.decode`는 그 반대 방향으로 돌아갑니다.
# 어휘에 없는 단어는 `<UNK>`(id 1)가 됩니다.

# %%
ids = vocab.encode(recipe)
print(ids[:24])
print(vocab.decode(ids[:24]))
assert vocab.decode(ids) == detokenize(tokenize(recipe))

print(vocab.encode("Chop 1/2 rambutan."), "<- 'rambutan'은 모르는 단어:", vocab.idx2token[vocab.unk_idx])
assert vocab.encode("rambutan") == [vocab.unk_idx]

# %% [markdown]
# ## 1.7 배치: `x`와 `y`, 모양 `[batch, seq]`
#
# 훈련할 때는 레시피마다 id 끝에 `<EOS>`를 붙이고, 여러 레시피를 쌓아 **배치(batch)**를 만듭니다. 배치는
# 함께 처리하는 레시피 여러 개로, 모양이 `[batch, seq]`(레시피, 위치)인 텐서입니다. `x`는 시퀀스이고 `y`는
# 같은 시퀀스를 한 칸 민 것입니다. 모든 위치 `t`에서 `y[t]`는 `x[t]` 다음에 오는 단어, 즉 모델이 예측해야
# 하는 단어인 타깃(target)입니다. 설정은 사전 훈련된 모델의 것을 그대로 씁니다. 최대 200 토큰, 배치당
# 레시피 8개(책은 32개), 그리고 레시피의 5분의 1은 검증(validation)용으로 떼어 둡니다. 검증이란 모델이
# 훈련에 쓰지 않은 레시피로 모델을 점검하는 것입니다.

# %%
train_loader, val_loader = make_dataloaders(texts, vocab, max_len=200, batch_size=8, val_fraction=0.2)
print(f"훈련 레시피 {len(train_loader.dataset):,}개는 배치 {len(train_loader)}개, "
      f"검증 레시피 {len(val_loader.dataset)}개는 배치 {len(val_loader)}개")
x, y = next(iter(train_loader))
print("x", tuple(x.shape), x.dtype, "  y", tuple(y.shape))
assert torch.equal(x[:, 1:], y[:, :-1])  # y는 x를 한 칸 민 것
assert val_loader.dataset == validation_loader(checkpoint).dataset  # 사전 훈련된 모델의 검증 분할과 같음

for t in range(6):
    print(f"x[0, {t}] = {vocab.idx2token[x[0, t]]!r:10} -> y[0, {t}] = {vocab.idx2token[y[0, t]]!r}")

# %% [markdown]
# ## 1.8 패딩
#
# 한 배치 안의 행들은 길이가 같아야 하므로, 짧은 레시피는 가장 긴 레시피의 길이까지 `<PAD>`(id 0)로
# 채웁니다. 이것을 **패딩(padding)**이라고 합니다. 책은 모든 레시피를 200 토큰까지 채웁니다.
# `make_dataloaders`는 길이가 비슷한 레시피끼리 같은 배치에 넣고, 각 배치를 그 배치에서 가장 긴 레시피까지만
# 채우므로 패딩 위치가 훨씬 적습니다.

# %%
real = sum(int((y != vocab.pad_idx).sum()) for _, y in train_loader)
padded_here = sum(y.numel() for _, y in train_loader)
padded_book = sum(len(y) * 200 for _, y in train_loader)
print(f"실제 타깃 단어 {real:,}개")
print(f"배치마다 가장 긴 레시피까지 패딩: 위치 {padded_here:,}개, 그중 패딩 {1 - real / padded_here:.1%}")
print(f"모든 레시피를 200까지 패딩 (책):  위치 {padded_book:,}개, 그중 패딩 {1 - real / padded_book:.1%}")
assert padded_here < padded_book

shortest = min(range(len(y)), key=lambda row: int((y[row] != vocab.pad_idx).sum()))
end = int((y[shortest] != vocab.pad_idx).sum()) - 1  # 그 행에서 마지막 실제 타깃의 위치
print(f"첫 배치의 {shortest}번 행은 이렇게 끝납니다:", [vocab.idx2token[i] for i in y[shortest, end - 2 : end + 3]])

# %% [markdown]
# ## 1.9 임베딩: 조회 테이블
#
# **임베딩(embedding)**은 단어마다 훈련으로 조정할 수 있는 숫자 벡터를 하나씩 줍니다.
# `nn.Embedding(vocab_size, embedding_dim)`은 모양이 `[vocab_size, embedding_dim]`인 가중치 행렬을 갖고
# 있으며, 단어마다 행이 하나입니다. id를 주면 해당하는 행을 돌려줍니다. id 5에는 5번 행이 나옵니다. 그
# 결과는 **원-핫(one-hot)** 벡터(단어의 id 자리만 1이고 나머지는 모두 0인 벡터)에 행렬을 곱한 것과 정확히
# 같지만, 원-핫 벡터를 실제로 만들 필요는 없습니다. 새로 만든 테이블은 무작위입니다. 모든 숫자를 표준
# 정규 분포(평균 0, 표준편차 1)에서 뽑습니다.

# %%
torch.manual_seed(0)
embedding = nn.Embedding(len(vocab), 100)
print("weight", tuple(embedding.weight.shape), "= [vocab_size, embedding_dim]")

sentence_ids = torch.tensor(vocab.encode("chop 1/2 onion."))
vectors = embedding(sentence_ids)
print("ids", sentence_ids.tolist(), tuple(sentence_ids.shape), "-> vectors", tuple(vectors.shape))
print(vectors[:, :4].detach().numpy().round(3))  # 단어마다 숫자 100개 중 처음 4개

torch.testing.assert_close(vectors, embedding.weight[sentence_ids])  # 조회는 곧 행 인덱싱
one_hot = nn.functional.one_hot(sentence_ids, len(vocab)).float()
print("one-hot", tuple(one_hot.shape), "@ weight", tuple(embedding.weight.shape), "->", tuple((one_hot @ embedding.weight).shape))
torch.testing.assert_close(one_hot @ embedding.weight, vectors)  # = 원-핫 벡터 곱하기 행렬

# %% [markdown]
# ## 1.10 사전 훈련된 모델 안의 테이블
#
# 블로그 글의 `LSTMLM`은 바로 이런 테이블(`self.embedding`)로 시작합니다. 사전 훈련된 모델은 책의 크기를
# 따릅니다. 단어마다 숫자 100개, 은닉 유닛 128개입니다. 배치에 적용하면 이 테이블은 `[batch, seq]` 모양의
# id를 `[batch, seq, embedding_dim]` 모양의 벡터로 바꿉니다. 블로그 글의 `forward`에 주석으로 적힌 바로 그
# 모양입니다. 모델의 가중치 가운데 임베딩이 차지하는 몫은 출력 층(단어마다 가중치 128개와 편향 하나로 된
# 행) 다음으로 큽니다.

# %%
embedded = model.embedding(x)
print("x", tuple(x.shape), "-> embedded", tuple(embedded.shape))
assert torch.equal(embedded, model.embedding.weight[x])  # 여전히 조회일 뿐

n_total = sum(p.numel() for p in model.parameters())
for name, layer in model.named_children():
    n_weights = sum(p.numel() for p in layer.parameters())
    print(f"{name:10} 가중치 {n_weights:>9,}개 ({n_weights / n_total:.0%})")
assert model.embedding.weight.shape == (len(vocab), 100)

# %% [markdown]
# ## 1.11 같은 단어, 같은 벡터
#
# 단어는 어느 자리에 있든 같은 벡터를 받습니다. 아래 문장에는 "the"가 세 번 나오는데, 사전 훈련된
# 테이블에서 꺼낸 세 행은 똑같습니다. 임베딩은 문맥을 전혀 모릅니다. 문맥은 LSTM이 맡습니다(노트북 2).

# %%
words = tokenize("add the salt and the pepper to the pot")
rows = model.embedding(torch.tensor([vocab.token2idx[w] for w in words])).detach()
positions_of_the = [i for i, w in enumerate(words) if w == "the"]
print("'the'가 있는 위치:", positions_of_the)
assert all(torch.equal(rows[i], rows[positions_of_the[0]]) for i in positions_of_the)

plt.figure(figsize=(10, 3))
plt.imshow(rows[:, :40], cmap="coolwarm", aspect="auto")
plt.yticks(range(len(words)), words)
plt.xlabel("100개 차원 중 처음 40개")
plt.title("임베딩 행 (사전 훈련된 모델): 같은 단어, 같은 벡터")
plt.colorbar()
plt.show()

# %% [markdown]
# ## 1.12 훈련은 본 행만 움직입니다
#
# 테이블은 평범한 가중치입니다. 훈련은 먼저 모델이 얼마나 틀렸는지를 숫자 하나로 나타낸 **손실(loss)**과,
# 그 **기울기(gradient)**(각 가중치를 조금 바꾸면 손실이 얼마나 변하는지)를 계산합니다. 그다음 모든
# 가중치를 기울기의 반대 방향으로 조금씩 옮깁니다. 모델의 실제 손실과 훈련 루프는 노트북 3과 5에서
# 만듭니다. 여기서는 어느 행이 기울기를 받는지만 알고 싶으므로, 조회한 행으로 계산한 손실이면 무엇이든
# 괜찮습니다. 손실 계산에 참여하는 행은 조회된 행뿐이므로, 기울기를 받는 행도 그 행들뿐입니다.
#
# 여기서 쓸 임시 손실은 조회한 행들의 길이 제곱의 평균입니다(이 값을 줄이면 행들이 0 쪽으로 당겨집니다).
# `loss.backward()`를 호출하면 PyTorch가 테이블의 모든 가중치에 대한 기울기를 계산해 `weight.grad`에
# 저장합니다. 이어서 **경사 하강법(gradient descent)** 한 스텝이 기울기에 작은 수를 곱해 가중치에서 뺍니다.
# 테이블은 새로 만든 것이지만, 같은 시드로 뽑았으므로 1.9절의 테이블과 같습니다.

# %%
torch.manual_seed(0)
toy_table = nn.Embedding(len(vocab), 100)
assert torch.equal(toy_table.weight, embedding.weight)  # 1.9절의 테이블을 다시 뽑은 것
soup_ids = torch.tensor(vocab.encode("recipe for tomato soup | chop the onion and add the tomatoes."))
loss = (toy_table(soup_ids) ** 2).sum(dim=1).mean()  # 임시 손실: 사용한 행들의 길이 제곱의 평균
loss.backward()

has_gradient = toy_table.weight.grad.abs().sum(dim=1) > 0
print(f"토큰 {len(soup_ids)}개; 행 {len(vocab):,}개 중 {int(has_gradient.sum())}개가 기울기를 받습니다:",
      [vocab.idx2token[i] for i in has_gradient.nonzero().flatten()])
assert set(has_gradient.nonzero().flatten().tolist()) == set(soup_ids.tolist())  # "the"는 두 번, 행은 하나

before = toy_table.weight.detach().clone()
with torch.no_grad():  # 업데이트 자체는 손실 계산에 들어가지 않습니다
    toy_table.weight -= 0.1 * toy_table.weight.grad
changed = (toy_table.weight != before).any(dim=1)
print(f"한 스텝 뒤 바뀐 행은 {int(changed.sum())}개이고, 나머지 {int((~changed).sum()):,}개는 그대로입니다")
assert torch.equal(changed, has_gradient)
print(f"스텝 전 손실 {loss:.2f}, 스텝 후 {(toy_table(soup_ids) ** 2).sum(dim=1).mean():.2f}")

# %% [markdown]
# 손실이 모델 전체에서 나올 때도 마찬가지입니다. LSTM이 받는 것은 언제나 조회된 행뿐이므로, 테이블의
# 나머지 행은 기울기를 받지 못하고 움직이지 않습니다.

# %% [markdown]
# ## 1.13 훈련된 행과 아직 무작위인 행
#
# 따라서 훈련 레시피에서 모델에 한 번도 입력되지 않은 단어는 처음의 무작위 행을 그대로 간직합니다. 사전
# 훈련된 모델에서는 1,043개 행이 그렇습니다. 먼저 특수 토큰 3개입니다. `<PAD>`는 레시피가 끝난 뒤에만
# 오는데 그 자리의 손실은 세지 않고(노트북 3의 3.10절), `<UNK>`는 말뭉치의 모든 단어가 어휘에 있으므로 나오지 않으며,
# `<EOS>`는 마지막 토큰이라 입력이 되지 않습니다. 나머지 1,040개는 검증 레시피에만 나오거나 레시피의 200
# 토큰 한계 뒤에만 나오는 단어입니다. 이 행들의 숫자는 새 테이블처럼 여전히 평균 0, 표준편차 1입니다.
# 이런 숫자 100개로 된 행의 길이(노름, norm)는 약 `sqrt(100) = 10`입니다. 모델이 본 단어의 행은 이
# 출발점에서 멀어졌고, 자주 본 단어일수록 더 많이 움직였습니다. 평균으로 보면 한 번 본 단어는 약 10.1,
# 1,000번 이상 본 단어 40개는 약 11.4입니다. 이 평균 주위의 퍼짐(그래프에서 약 8~14)은 대부분 출발점의
# 무작위성에서 옵니다.

# %%
train_inputs = Counter(i for sequence in train_loader.dataset for i in sequence[:-1])  # 훈련의 모든 x
seen = torch.tensor([train_inputs[i] for i in range(len(vocab))])
table = model.embedding.weight.detach()
length = table.norm(dim=1)
never = seen == 0
print(f"훈련에서 한 번도 입력되지 않은 행 {int(never.sum()):,}개, 훈련된 행 {int((~never).sum()):,}개")
print(f"훈련되지 않은 행:     평균 {table[never].mean():+.3f}, 표준편차 {table[never].std():.3f}, "
      f"행 길이 {length[never].mean():.2f}")
print(f"새 nn.Embedding:     평균 {embedding.weight.mean():+.3f}, 표준편차 {embedding.weight.std():.3f}, "
      f"행 길이 {embedding.weight.norm(dim=1).mean():.2f}")
assert abs(table[never].std() - 1) < 0.01

print("\n본 횟수         단어 수  평균 행 길이")
bins = [(1, 2), (2, 10), (10, 100), (100, 1000), (1000, None)]
means, middles = [], []
for low, high in bins:
    in_bin = (seen >= low) & (seen < (high or seen.max() + 1))
    means.append(length[in_bin].mean().item())
    middles.append(seen[in_bin].float().median().item())
    label = "1번" if high == 2 else f"{low:,}~{high - 1:,}번" if high else f"{low:,}번 이상"
    print(f"{label:<16} {int(in_bin.sum()):>5}  {means[-1]:.2f}")
assert means == sorted(means)  # 자주 볼수록 행이 깁니다

plt.figure(figsize=(7, 3.5))
plt.scatter(seen[~never], length[~never], s=3, alpha=0.3, label="훈련된 행 하나")
plt.plot(middles, means, "o-", color="black", label="구간별 평균")
plt.axhline(10, color="red", linestyle="--", label="무작위 행: 약 sqrt(100) = 10")
plt.xscale("log")
plt.xlabel("훈련에서 그 단어가 입력된 횟수")
plt.ylabel("그 단어의 행 길이")
plt.title("자주 본 단어일수록 행이 더 멀리 움직입니다")
plt.legend()
plt.show()

# %% [markdown]
# ## 1.14 행이 배운 것: 비슷한 단어, 비슷한 행
#
# 관련 있는 단어는 관련 있는 행을 얻을까요? 두 행의 **코사인 유사도(cosine similarity)**
# `a . b / (|a| |b|)`는 같은 방향을 가리키는 행이면 1, 서로 관련 없는 행이면 0입니다. 숫자 100개로 된 무작위
# 행 두 개 사이에서는 0을 중심으로 ±0.1 정도 흔들립니다(훈련되지 않은 행들로 측정합니다). 같은 자리에
# 쓰이는 단어 쌍 가운데 일부는 이보다 훨씬 높지만(onion과 garlic), 어떤 쌍은 훈련 뒤에도 우연 수준에
# 머뭅니다(butter와 oil). 훈련된 모델의 안은 노트북 7에서 더 들여다봅니다.

# %%
unit = table / table.norm(dim=1, keepdim=True)
untouched = unit[never]
chance = (untouched @ untouched.T)[~torch.eye(len(untouched), dtype=torch.bool)]
print(f"훈련되지 않은 두 행: 코사인 {chance.mean():+.3f} +- {chance.std():.3f}")

pairs = [("onion", "garlic"), ("boil", "simmer"), ("cup", "tablespoon"), ("minutes", "hours"), ("1", "2"),
         ("salt", "pepper"), ("butter", "oil"), ("chicken", "beef")]
for a, b in pairs:
    cosine = unit[vocab.token2idx[a]] @ unit[vocab.token2idx[b]]
    print(f"{a:>8} / {b:<10} 코사인 {cosine:+.2f}  (우연 수준 퍼짐의 {cosine / chance.std():+.1f}배)")
assert unit[vocab.token2idx["onion"]] @ unit[vocab.token2idx["garlic"]] > 4 * chance.std()

# %% [markdown]
# ## 요약
#
# | 단계 | 무엇으로 | 모양 |
# |---|---|---|
# | 텍스트 | `"Recipe for ... \| ..."` | 문자열 하나 |
# | 토큰 | `tokenize(text)` | 단어 리스트 |
# | id | `vocab.encode(text)` | 정수 리스트 |
# | 배치 | `make_dataloaders` -> `x`, `y` | `[batch, seq]` |
# | 벡터 | `model.embedding(x)` | `[batch, seq, embedding_dim]` |
#
# 임베딩은 단어마다 행이 하나씩 있는 테이블입니다. 조회는 행을 골라내는 일이고, 원-핫 벡터에 테이블을
# 곱한 것과 정확히 같습니다. 훈련은 모델이 본 단어의 행만 움직이므로, 드문 단어의 행은 무작위에 가깝게
# 남습니다.
#
# 다음 노트북 2에서는 이 벡터들을 LSTM에 넣습니다.

# %% [markdown]
# ## 연습 문제
#
# **1. 더 작은 어휘.** `Vocab.build(texts, 2000)`으로 토큰 2,000개짜리 어휘를 만들어 보십시오. 먼저
# 1.5절의 커버리지 곡선으로 예측해 봅시다(특수 토큰 세 개를 잊지 마십시오). 말뭉치의 토큰 중 몇 퍼센트가
# `<UNK>`가 될까요? 그리고 레시피 3,271개 중 몇 개에 `<UNK>`가 하나 이상 들어갈까요? 그다음 둘 다 직접
# 측정해 보십시오(아래 셀이 한 가지 방법입니다).
#
# <details><summary>풀이</summary>
#
# id 2,000개 중 3개는 특수 토큰이므로 단어는 1,997개이고, 이 단어들이 텍스트의 96.5%를 덮습니다. 따라서
# 토큰의 3.5%, 대략 28개 중 하나가 `<UNK>`가 됩니다. 그런데도 레시피 3,271개 중 2,920개(89%)에는 `<UNK>`가
# 하나 이상 있습니다. 거의 모든 레시피에 드문 단어가 한두 개씩 있기 때문입니다. 빠지는 단어 중에는
# `canola`와 `tabasco`도 있습니다. 이 어휘로 훈련한 모델은 레시피 대부분에 `<UNK>`를 쓰게 됩니다.
#
# </details>

# %%
small_vocab = Vocab.build(texts, 2000)
encoded = [small_vocab.encode(text) for text in texts]
n_tokens = sum(len(ids) for ids in encoded)
n_unknown = sum(ids.count(small_vocab.unk_idx) for ids in encoded)
print(f"어휘 크기 {len(small_vocab):,}: 토큰의 {n_unknown / n_tokens:.1%}가 <UNK>")
print(f"커버리지 곡선의 예측: 1 - {covered[1996]:.3f} = {1 - covered[1996]:.1%}")
assert abs(n_unknown / n_tokens - (1 - covered[1996].item())) < 1e-6

with_unknown = sum(small_vocab.unk_idx in ids for ids in encoded)
print(f"레시피 {len(texts):,}개 중 {with_unknown:,}개({with_unknown / len(texts):.0%})에 <UNK>가 있습니다")
print("처음으로 빠지는 단어:", vocab.idx2token[2000:2005])

# %% [markdown]
# **2. 책의 배치 크기.** 책은 배치 하나에 레시피 32개를 넣지만, 1.8절에서는 8개를 썼습니다.
# `batch_size=32`로 로더를 만들고 패딩 비율을 다시 측정해 보십시오. 먼저 예측해 봅시다. 배치 크기 8일 때의
# 1.4%보다 많을까요, 적을까요? 그리고 모든 레시피를 200까지 채울 때의 39.0%에는 얼마나 가까울까요?
#
# <details><summary>풀이</summary>
#
# 1.8%입니다. 레시피 32개는 8개보다 길이의 범위가 넓으므로 조금 늘지만, `make_dataloaders`가 여전히 길이가
# 비슷한 레시피끼리 묶기 때문에 39.0%에는 한참 못 미칩니다. 훈련 레시피 2,617개는 이제 배치 328개가 아니라
# 82개가 됩니다.
#
# </details>

# %%
loader_32, _ = make_dataloaders(texts, vocab, max_len=200, batch_size=32, val_fraction=0.2)
padded_32 = sum(y.numel() for _, y in loader_32)
print(f"배치 크기 32: 배치 {len(loader_32)}개, 위치 {padded_32:,}개, 그중 패딩 {1 - real / padded_32:.1%}")
print(f"배치 크기 8:  배치 {len(train_loader)}개, 위치 {padded_here:,}개, 그중 패딩 {1 - real / padded_here:.1%}")
assert sum(int((y != vocab.pad_idx).sum()) for _, y in loader_32) == real  # 같은 단어를 다르게 묶었을 뿐

# %% [markdown]
# **3. 예측한 다음 실행하기.** 사전 훈련된 테이블에서 `"onion"`의 행과 (코사인 유사도로) 가장 가까운 행을
# 가진 단어 다섯 개는 무엇일까요? 모두 요리에 쓰는 단어일까요?
#
# <details><summary>풀이</summary>
#
# `garlic`이 첫째(0.43)이고, 그 뒤로 `skins`, `insoluble`, `turmeric`, `moroccan`이 모두 0.34 근처입니다.
# garlic 다음부터는 우연으로 보입니다. 새 무작위 테이블에서도 나머지 8,202개 행 가운데 onion의 행과 가장
# 가까운 행의 코사인은 비슷한 크기입니다(셀이 출력합니다). 무작위 값 8,202개 중 가장 큰 값은 당연히 크기
# 때문입니다. 이 작은 모델의 입력 테이블은 의미를 그다지 배우지 못했습니다. 의미는 LSTM과 출력 층이 더
# 많이 담고 있습니다.
#
# </details>

# %%
similarity = unit @ unit[vocab.token2idx["onion"]]
nearest = similarity.topk(6).indices[1:]  # 첫째는 onion 자신
print("사전 훈련된 모델:", [(vocab.idx2token[i], round(similarity[i].item(), 2)) for i in nearest])

fresh = embedding.weight.detach()  # 1.9절의 무작위 테이블
fresh = fresh / fresh.norm(dim=1, keepdim=True)
fresh_similarity = fresh @ fresh[vocab.token2idx["onion"]]
nearest = fresh_similarity.topk(6).indices[1:]
print("무작위 테이블:", [(vocab.idx2token[i], round(fresh_similarity[i].item(), 2)) for i in nearest])
