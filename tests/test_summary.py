import jax
import jax.numpy as jnp
import pytest
from flax import nnx

from vae_lib import models
from vae_lib.summary import layer_summary, summary_table


@pytest.fixture(scope="module")
def ae():
    return models.Autoencoder(rngs=nnx.Rngs(0))


def test_book_counts_and_total_matches_count_params(ae):
    enc = layer_summary(ae.encoder, jnp.zeros((1, 32, 32, 1)))
    dec = layer_summary(ae.decoder, jnp.zeros((1, 2)))
    assert sum(r.params for r in enc) == models.count_params(ae.encoder) == 96_770
    assert sum(r.params for r in dec) == models.count_params(ae.decoder) == 246_273


def test_rows_follow_the_forward_pass_with_output_shapes(ae):
    rows = layer_summary(ae, jnp.zeros((2, 32, 32, 1)))
    assert [r.path for r in rows] == ["encoder.convs.0", "encoder.convs.1", "encoder.convs.2", "encoder.z_mean",
                                      "decoder.dense", "decoder.deconvs.0", "decoder.deconvs.1",
                                      "decoder.deconvs.2", "decoder.out"]
    assert rows[0].output_shape == (2, 16, 16, 32) and rows[3].output_shape == (2, 2)
    assert rows[-1].output_shape == (2, 32, 32, 1)
    assert rows[0].param_shapes == {"kernel": (3, 3, 1, 32), "bias": (32,)} and rows[0].params == 320


def test_without_input_no_shapes_and_layer_calls_restored(ae):
    before = type(ae.encoder.convs[0]).__call__
    rows = layer_summary(ae.encoder)
    assert all(r.output_shape is None for r in rows)
    layer_summary(ae.encoder, jnp.zeros((1, 32, 32, 1)))
    assert type(ae.encoder.convs[0]).__call__ is before


def test_vae_with_key_and_table_text():
    vae = models.book_vae(rngs=nnx.Rngs(1))
    text = summary_table(vae, jnp.zeros((1, 32, 32, 1)), jax.random.key(0))
    assert "encoder.z_log_var" in text and f"{models.count_params(vae):,}" in text.splitlines()[-1]


def test_tracing_leaves_batchnorm_statistics_alone():
    vae = models.celeba_vae(latent_dim=4, width=8, rngs=nnx.Rngs(0))
    before = jax.tree.map(lambda a: a.copy(), nnx.state(vae, nnx.BatchStat))
    rows = layer_summary(vae, jnp.ones((2, 64, 64, 3)), jax.random.key(0))
    after = nnx.state(vae, nnx.BatchStat)
    assert all(bool(jnp.all(a == b)) for a, b in zip(jax.tree.leaves(before), jax.tree.leaves(after)))
    assert sum(r.params for r in rows) == models.count_params(vae)
    assert dict((r.path, r.output_shape) for r in rows)["encoder.norms.0"] == (2, 32, 32, 8)


def test_table_headers_follow_the_language(ae, monkeypatch):
    from vae_lib import i18n
    monkeypatch.setattr(i18n, "_chosen", "en")
    en = summary_table(ae.encoder, jnp.zeros((1, 32, 32, 1))).splitlines()
    assert en[1].split()[:2] == ["layer", "type"] and en[-1].startswith("total")
    monkeypatch.setattr(i18n, "_chosen", "ko")
    ko = summary_table(ae.encoder, jnp.zeros((1, 32, 32, 1))).splitlines()
    assert ko[0].endswith("요약") and ko[1].split()[:2] == ["층", "종류"] and ko[-1].startswith("합계")
    assert [r.split() for r in ko[3:-2]] == [r.split() for r in en[3:-2]] and ko[-1].split()[-1] == en[-1].split()[-1]
    assert i18n.screen_width(ko[1]) == len(ko[3])   # the first row's count ends under its header (Hangul: 2 columns)
