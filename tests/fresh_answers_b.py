"""A second fresh set of learner answers (issue 14), written independently of the checks' lists of
known mistakes and of tests/test_checks_fresh_answers.py.

ANSWERS: (check name, source code, is_right). Each source defines the exercise's function under its
notebook name; its first line is a comment that says what it does. (Two answers first written as wrong
were changed after the first measurement: splitting the key before drawing eps is accepted by the check
on purpose, so it is listed as right; `labels >= 0` was dropped, as it equals `labels > 0` on the
course's labels, which are -1 / +1. Three NumPy answers first listed as right, two for std_from_log_var and
one for kl_to_standard_normal, are wrong since issue 25: the chapters take jax.grad through these functions
in the cells after their checks, and NumPy breaks the gradient.) The code runs with `np`, `jnp`,
`jax`, `optax` and `math` already imported, as in the notebooks. tests/test_checks_fresh_answers_b.py
grades them and prints the tally."""

# the running-mean algorithm as a learner writes it, with slots for the slips made in it
_SUMS = "    dim = z_batches[0].shape[1]\n    sums, counts, means = [np.zeros(dim), np.zeros(dim)], [0, 0], [None, None]\n"
_SUM_UPDATE = ("            sums[i] = sums[i] + z[group].sum(axis=0)\n            counts[i] += int(group.sum())\n"
               "            new = sums[i] / counts[i]\n")
_RUNNING_MEANS = """def attribute_vector_from_codes(z_batches, label_batches, tol=0.04, max_examples=10_000):
{init}    seen = 0
    for z, labels in zip(z_batches, label_batches):
        z = np.asarray(z)
        has = np.asarray(labels) > 0
        moves = []
        for i, group in enumerate((has, ~has)):
            if not group.any():
                continue
{update}            moves.append(np.inf if means[i] is None else np.linalg.norm(new - means[i]))
            means[i] = new
        seen += len(z)
        if (len(moves) == 2 and {combine}(moves) < tol) or seen >= max_examples:
            break
    d = {difference}
    return {result}
"""

# the log-density as a learner writes it, with slots for the slips made in it
_MVN = """def mvn_log_density(x, mean, cov):
    k = mean.shape[-1]
    diff = x - mean
    maha = {maha}
    return {result}
"""


def _mvn_wrong(label, result, maha="jnp.sum(diff @ jnp.linalg.inv(cov) * diff, axis=-1)"):
    return "check_mvn_log_density", f"# wrong: {label}\n" + _MVN.format(maha=maha, result=result), False


def _running_wrong(label, init=_SUMS, update=_SUM_UPDATE, combine="max", difference="means[0] - means[1]",
                   result="d / np.linalg.norm(d)"):
    source = _RUNNING_MEANS.format(init=init, update=update, combine=combine, difference=difference, result=result)
    return "check_attribute_vector_from_codes", f"# wrong: {label}\n" + source, False



_GROUP_NORM = """def group_norm(x, num_groups, eps=1e-6):
    b, h, w, c = x.shape
    g = jnp.reshape(x, (b, h, w, {groups}))
    mean = jnp.mean(g, axis={axes}, keepdims=True)
    var = jnp.var(g, axis={axes}, keepdims=True)
    return jnp.reshape({result}, (b, h, w, c))
"""


def _gn_wrong(label, result, groups="num_groups, c // num_groups", axes="(1, 2, 4)"):
    return "check_group_norm", f"# wrong: {label}\n" + _GROUP_NORM.format(groups=groups, axes=axes, result=result), False


ANSWERS = [
    # ------------------------------------------------------------------ ch01: ae_loss
    ("check_ae_loss", '''# right: stable formula written out, mean over everything
def ae_loss(logits, x):
    per = jnp.maximum(logits, 0) - logits * x + jnp.log1p(jnp.exp(-jnp.abs(logits)))
    return jnp.mean(per)
''', True),
    ("check_ae_loss", '''# right: numpy loop over the batch
def ae_loss(logits, x):
    logits, x = np.asarray(logits, np.float64), np.asarray(x, np.float64)
    total = 0.0
    for l, t in zip(logits, x):
        total += np.mean(np.maximum(l, 0) - l * t + np.log1p(np.exp(-np.abs(l))))
    return total / len(logits)
''', True),
    ("check_ae_loss", '''# right: softplus form
def ae_loss(logits, x):
    return jnp.mean(jax.nn.softplus(logits) - logits * x)
''', True),
    ("check_ae_loss", '''# right: log_sigmoid on both sides
def ae_loss(logits, x):
    return -jnp.mean(x * jax.nn.log_sigmoid(logits) + (1 - x) * jax.nn.log_sigmoid(-logits))
''', True),
    ("check_ae_loss", '''# wrong: sum over pixels, then batch mean
def ae_loss(logits, x):
    per_pixel = optax.sigmoid_binary_cross_entropy(logits, x)
    return jnp.mean(jnp.sum(per_pixel, axis=(1, 2, 3)))
''', False),
    ("check_ae_loss", '''# wrong: sign flipped in the written-out formula
def ae_loss(logits, x):
    per = logits * x - jnp.maximum(logits, 0) - jnp.log1p(jnp.exp(-jnp.abs(logits)))
    return jnp.mean(per)
''', False),
    ("check_ae_loss", '''# wrong: logits and images swapped
def ae_loss(logits, x):
    return jnp.mean(optax.sigmoid_binary_cross_entropy(x, logits))
''', False),
    ("check_ae_loss", '''# wrong: sigmoid applied before the loss that applies it again
def ae_loss(logits, x):
    probs = jax.nn.sigmoid(logits)
    return jnp.mean(optax.sigmoid_binary_cross_entropy(probs, x))
''', False),
    ("check_ae_loss", '''# wrong: log instead of log1p (the 1 + is lost)
def ae_loss(logits, x):
    per = jnp.maximum(logits, 0) - logits * x + jnp.log(jnp.exp(-jnp.abs(logits)))
    return jnp.mean(per)
''', False),
    ("check_ae_loss", '''# wrong: one loss per image, no batch mean
def ae_loss(logits, x):
    return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
''', False),
    ("check_ae_loss", '''# wrong: the (1 - x) half of the cross-entropy forgotten
def ae_loss(logits, x):
    return -jnp.mean(x * jax.nn.log_sigmoid(logits))
''', False),
    ("check_ae_loss", '''# wrong: mean over the batch axis only
def ae_loss(logits, x):
    return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=0)
''', False),
    ("check_ae_loss", '''# wrong: squared error of the probabilities
def ae_loss(logits, x):
    return jnp.mean((jax.nn.sigmoid(logits) - x) ** 2)
''', False),
    ("check_ae_loss", '''# wrong: log(sigmoid) in float32, overflows for confident logits
def ae_loss(logits, x):
    p = jax.nn.sigmoid(logits)
    return -jnp.mean(x * jnp.log(p) + (1 - x) * jnp.log(1 - p))
''', False),
    # ------------------------------------------------------------------ ch01: nearest_distance
    ("check_nearest_distance", '''# right: two python loops
def nearest_distance(queries, codes):
    queries, codes = np.asarray(queries), np.asarray(codes)
    out = []
    for q in queries:
        best = np.inf
        for c in codes:
            best = min(best, float(np.linalg.norm(q - c)))
        out.append(best)
    return np.array(out)
''', True),
    ("check_nearest_distance", '''# right: |q|^2 + |c|^2 - 2 q.c in float64
def nearest_distance(queries, codes):
    q, c = np.asarray(queries, np.float64), np.asarray(codes, np.float64)
    sq = (q**2).sum(1)[:, None] + (c**2).sum(1)[None, :] - 2 * q @ c.T
    return np.sqrt(np.maximum(sq, 0)).min(axis=1)
''', True),
    ("check_nearest_distance", '''# right: jnp.linalg.norm
def nearest_distance(queries, codes):
    return jnp.linalg.norm(queries[:, None, :] - codes[None, :, :], axis=-1).min(axis=1)
''', True),
    ("check_nearest_distance", '''# right: sqrt after the min
def nearest_distance(queries, codes):
    d2 = ((np.asarray(queries)[:, None] - np.asarray(codes)[None]) ** 2).sum(-1)
    return np.sqrt(np.min(d2, axis=1))
''', True),
    ("check_nearest_distance", '''# wrong: min over the queries axis
def nearest_distance(queries, codes):
    diff = np.asarray(queries)[:, None, :] - np.asarray(codes)[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1)).min(axis=0)
''', False),
    ("check_nearest_distance", '''# wrong: squared distance (no sqrt)
def nearest_distance(queries, codes):
    diff = np.asarray(queries)[:, None, :] - np.asarray(codes)[None, :, :]
    return (diff**2).sum(axis=-1).min(axis=1)
''', False),
    ("check_nearest_distance", '''# wrong: index of the nearest code instead of its distance
def nearest_distance(queries, codes):
    diff = np.asarray(queries)[:, None, :] - np.asarray(codes)[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1)).argmin(axis=1)
''', False),
    ("check_nearest_distance", '''# wrong: L1 distance
def nearest_distance(queries, codes):
    diff = np.asarray(queries)[:, None, :] - np.asarray(codes)[None, :, :]
    return np.abs(diff).sum(axis=-1).min(axis=1)
''', False),
    ("check_nearest_distance", '''# wrong: sum over the codes axis instead of the coordinates
def nearest_distance(queries, codes):
    diff = np.asarray(queries)[:, None, :] - np.asarray(codes)[None, :, :]
    return np.sqrt((diff**2).sum(axis=1)).min(axis=1)
''', False),
    ("check_nearest_distance", '''# wrong: farthest code
def nearest_distance(queries, codes):
    diff = np.asarray(queries)[:, None, :] - np.asarray(codes)[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1)).max(axis=1)
''', False),
    ("check_nearest_distance", '''# wrong: mean over coordinates instead of sum
def nearest_distance(queries, codes):
    diff = np.asarray(queries)[:, None, :] - np.asarray(codes)[None, :, :]
    return np.sqrt((diff**2).mean(axis=-1)).min(axis=1)
''', False),
    ("check_nearest_distance", '''# wrong: one minimum over everything
def nearest_distance(queries, codes):
    diff = np.asarray(queries)[:, None, :] - np.asarray(codes)[None, :, :]
    return np.linalg.norm(diff, axis=-1).min()
''', False),
    # ------------------------------------------------------------------ ch02: normal_pdf
    ("check_normal_pdf", '''# right: through the log density
def normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi))
''', True),
    ("check_normal_pdf", '''# right: 1 / (sigma sqrt(2 pi)) form with math
def normal_pdf(x, mean, std):
    z = (x - mean) / std
    return 1.0 / (std * math.sqrt(2 * math.pi)) * np.exp(-z * z / 2)
''', True),
    ("check_normal_pdf", '''# right: jax.scipy.stats
def normal_pdf(x, mean, std):
    return jax.scipy.stats.norm.pdf(x, mean, std)
''', True),
    ("check_normal_pdf", '''# wrong: std used as the variance
def normal_pdf(x, mean, std):
    return jnp.exp(-((x - mean) ** 2) / (2 * std)) / jnp.sqrt(2 * jnp.pi * std)
''', False),
    ("check_normal_pdf", '''# wrong: square forgotten in the exponent
def normal_pdf(x, mean, std):
    return jnp.exp(-(x - mean) / (2 * std**2)) / jnp.sqrt(2 * jnp.pi * std**2)
''', False),
    ("check_normal_pdf", '''# wrong: 2 in the numerator
def normal_pdf(x, mean, std):
    return 2 * jnp.exp(-((x - mean) ** 2) / (2 * std**2)) / jnp.sqrt(2 * jnp.pi * std**2)
''', False),
    ("check_normal_pdf", '''# wrong: no normalising constant
def normal_pdf(x, mean, std):
    return jnp.exp(-((x - mean) ** 2) / (2 * std**2))
''', False),
    ("check_normal_pdf", '''# wrong: minus sign missing in the exponent
def normal_pdf(x, mean, std):
    return jnp.exp(((x - mean) ** 2) / (2 * std**2)) / jnp.sqrt(2 * jnp.pi * std**2)
''', False),
    ("check_normal_pdf", '''# wrong: sqrt(2 pi) * sigma^2 in the denominator
def normal_pdf(x, mean, std):
    return jnp.exp(-((x - mean) ** 2) / (2 * std**2)) / (jnp.sqrt(2 * jnp.pi) * std**2)
''', False),
    ("check_normal_pdf", '''# wrong: the 2 in the exponent forgotten
def normal_pdf(x, mean, std):
    return jnp.exp(-((x - mean) ** 2) / std**2) / jnp.sqrt(2 * jnp.pi * std**2)
''', False),
    ("check_normal_pdf", '''# wrong: precedence, / 2 * std**2
def normal_pdf(x, mean, std):
    return jnp.exp(-(x - mean) ** 2 / 2 * std**2) / jnp.sqrt(2 * jnp.pi * std**2)
''', False),
    # ------------------------------------------------------------------ ch02: covariance_matrix
    ("check_covariance_matrix", '''# right: two loops over the entries
def covariance_matrix(samples):
    X = np.asarray(samples, np.float64)
    n, k = X.shape
    m = X.mean(axis=0)
    out = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            out[i, j] = np.sum((X[:, i] - m[i]) * (X[:, j] - m[j])) / (n - 1)
    return out
''', True),
    ("check_covariance_matrix", '''# right: einsum
def covariance_matrix(samples):
    c = samples - samples.mean(0, keepdims=True)
    return np.einsum("ni,nj->ij", c, c) / (len(samples) - 1)
''', True),
    ("check_covariance_matrix", '''# right: X^T X - n m m^T in float64
def covariance_matrix(samples):
    X = np.asarray(samples, np.float64)
    n = X.shape[0]
    m = X.mean(axis=0)
    return (X.T @ X - n * np.outer(m, m)) / (n - 1)
''', True),
    ("check_covariance_matrix", '''# right: jnp, sum of outer products
def covariance_matrix(samples):
    c = samples - jnp.mean(samples, axis=0)
    return jnp.sum(c[:, :, None] * c[:, None, :], axis=0) / (c.shape[0] - 1)
''', True),
    ("check_covariance_matrix", '''# wrong: divided by N
def covariance_matrix(samples):
    c = samples - samples.mean(axis=0)
    return c.T @ c / samples.shape[0]
''', False),
    ("check_covariance_matrix", '''# wrong: not centred
def covariance_matrix(samples):
    return samples.T @ samples / (samples.shape[0] - 1)
''', False),
    ("check_covariance_matrix", '''# wrong: centred by the row means
def covariance_matrix(samples):
    c = samples - samples.mean(axis=1, keepdims=True)
    return c.T @ c / (samples.shape[0] - 1)
''', False),
    ("check_covariance_matrix", '''# wrong: c c^T, (N, N)
def covariance_matrix(samples):
    c = samples - samples.mean(axis=0)
    return c @ c.T / (samples.shape[0] - 1)
''', False),
    ("check_covariance_matrix", '''# wrong: divided by K - 1
def covariance_matrix(samples):
    c = samples - samples.mean(axis=0)
    return c.T @ c / (samples.shape[1] - 1)
''', False),
    ("check_covariance_matrix", '''# wrong: only the variances, on a diagonal
def covariance_matrix(samples):
    return np.diag(np.var(samples, axis=0, ddof=1))
''', False),
    ("check_covariance_matrix", '''# wrong: the correlation matrix
def covariance_matrix(samples):
    c = samples - samples.mean(axis=0)
    cov = c.T @ c / (samples.shape[0] - 1)
    s = np.sqrt(np.diag(cov))
    return cov / np.outer(s, s)
''', False),
    ("check_covariance_matrix", '''# wrong: not centred and divided by N
def covariance_matrix(samples):
    return samples.T @ samples / samples.shape[0]
''', False),
    # ------------------------------------------------------------------ ch02: mvn_log_density
    ("check_mvn_log_density", '''# right: Cholesky
def mvn_log_density(x, mean, cov):
    L = np.linalg.cholesky(np.asarray(cov, np.float64))
    d = np.asarray(x, np.float64) - np.asarray(mean, np.float64)
    y = np.linalg.solve(L, d.T)
    k = L.shape[0]
    return -0.5 * (y**2).sum(0) - np.log(np.diag(L)).sum() - 0.5 * k * np.log(2 * np.pi)
''', True),
    ("check_mvn_log_density", '''# right: row loop, log det(2 pi Sigma)
def mvn_log_density(x, mean, cov):
    inv = np.linalg.inv(cov)
    norm = np.log(np.linalg.det(2 * np.pi * np.asarray(cov, np.float64)))
    return np.array([-0.5 * (d @ inv @ d) - 0.5 * norm for d in np.asarray(x) - np.asarray(mean)])
''', True),
    ("check_mvn_log_density", '''# right: jax.scipy.stats
def mvn_log_density(x, mean, cov):
    return jax.scipy.stats.multivariate_normal.logpdf(x, mean, cov)
''', True),
    _mvn_wrong("cov where its inverse belongs", "-0.5 * (k * jnp.log(2 * jnp.pi) + jnp.linalg.slogdet(cov)[1] + maha)", maha="jnp.sum(diff @ cov * diff, axis=-1)"),
    _mvn_wrong("quadratic form without its 1/2", "-0.5 * (k * jnp.log(2 * jnp.pi) + jnp.linalg.slogdet(cov)[1]) - maha"),
    ("check_mvn_log_density", '''# wrong: log(2 pi) not multiplied by K
def mvn_log_density(x, mean, cov):
    diff = x - mean
    maha = jnp.sum(diff @ jnp.linalg.inv(cov) * diff, axis=-1)
    return -0.5 * (jnp.log(2 * jnp.pi) + jnp.linalg.slogdet(cov)[1] + maha)
''', False),
    _mvn_wrong("det instead of log det", "-0.5 * (k * jnp.log(2 * jnp.pi) + jnp.linalg.det(cov) + maha)"),
    _mvn_wrong("the density, not its log", "jnp.exp(-0.5 * (k * jnp.log(2 * jnp.pi) + jnp.linalg.slogdet(cov)[1] + maha))"),
    _mvn_wrong("full (N, N) matrix of cross terms", "-0.5 * (k * jnp.log(2 * jnp.pi) + jnp.linalg.slogdet(cov)[1] + maha)", maha="diff @ jnp.linalg.inv(cov) @ diff.T"),
    _mvn_wrong("log det without its 1/2", "-0.5 * (k * jnp.log(2 * jnp.pi) + maha) - jnp.linalg.slogdet(cov)[1]"),
    ("check_mvn_log_density", '''# wrong: only the diagonal of cov used
def mvn_log_density(x, mean, cov):
    var = jnp.diag(cov)
    k = mean.shape[-1]
    maha = jnp.sum((x - mean) ** 2 / var, axis=-1)
    return -0.5 * (k * jnp.log(2 * jnp.pi) + jnp.sum(jnp.log(var)) + maha)
''', False),
    # ------------------------------------------------------------------ ch03: std_from_log_var
    ("check_std_from_log_var", '''# right: sqrt of the variance
def std_from_log_var(log_var):
    return jnp.sqrt(jnp.exp(log_var))
''', True),
    ("check_std_from_log_var", '''# wrong: np.power of e (NumPy: the chapter takes jax.grad through it)
def std_from_log_var(log_var):
    return np.power(np.e, 0.5 * np.asarray(log_var, np.float64))
''', False),
    ("check_std_from_log_var", '''# wrong: loop with math.exp (NumPy: the chapter takes jax.grad through it)
def std_from_log_var(log_var):
    a = np.asarray(log_var, np.float64)
    return np.array([math.exp(v / 2) for v in a.ravel()]).reshape(a.shape)
''', False),
    ("check_std_from_log_var", '''# wrong: the variance
def std_from_log_var(log_var):
    return jnp.exp(log_var)
''', False),
    ("check_std_from_log_var", '''# wrong: 1 / sigma
def std_from_log_var(log_var):
    return jnp.exp(-0.5 * log_var)
''', False),
    ("check_std_from_log_var", '''# wrong: sqrt of the log variance
def std_from_log_var(log_var):
    return jnp.sqrt(log_var)
''', False),
    ("check_std_from_log_var", '''# wrong: exp forgotten
def std_from_log_var(log_var):
    return 0.5 * log_var
''', False),
    ("check_std_from_log_var", '''# wrong: exp(2 log_var)
def std_from_log_var(log_var):
    return jnp.exp(2 * log_var)
''', False),
    ("check_std_from_log_var", '''# wrong: parentheses, exp(0.5) * log_var
def std_from_log_var(log_var):
    return jnp.exp(0.5) * log_var
''', False),
    ("check_std_from_log_var", '''# wrong: sqrt of |log_var| to avoid the NaN
def std_from_log_var(log_var):
    return jnp.sqrt(jnp.abs(log_var))
''', False),
    ("check_std_from_log_var", '''# wrong: averaged to one number
def std_from_log_var(log_var):
    return jnp.mean(jnp.exp(0.5 * log_var))
''', False),
    # ------------------------------------------------------------------ ch03: reparameterize
    ("check_reparameterize", '''# right: exp(log_var / 2) inline
def reparameterize(key, z_mean, z_log_var):
    return z_mean + jnp.exp(z_log_var / 2) * jax.random.normal(key, z_mean.shape)
''', True),
    ("check_reparameterize", '''# right: noise first, sqrt(exp)
def reparameterize(key, z_mean, z_log_var):
    eps = jax.random.normal(key, z_log_var.shape)
    return eps * jnp.sqrt(jnp.exp(z_log_var)) + z_mean
''', True),
    ("check_reparameterize", '''# right: shape written out, own helper
def std_from_log_var(log_var):
    return jnp.exp(0.5 * log_var)

def reparameterize(key, z_mean, z_log_var):
    b, d = z_mean.shape
    eps = jax.random.normal(key, shape=(b, d))
    return z_mean + std_from_log_var(z_log_var) * eps
''', True),
    ("check_reparameterize", '''# wrong: exp(log_var) as sigma
def reparameterize(key, z_mean, z_log_var):
    return z_mean + jnp.exp(z_log_var) * jax.random.normal(key, z_mean.shape)
''', False),
    ("check_reparameterize", '''# right: the key split first (the check accepts another draw of eps)
def reparameterize(key, z_mean, z_log_var):
    key, sub = jax.random.split(key)
    return z_mean + jnp.exp(0.5 * z_log_var) * jax.random.normal(sub, z_mean.shape)
''', True),
    ("check_reparameterize", '''# wrong: numpy noise, the key ignored
def reparameterize(key, z_mean, z_log_var):
    eps = np.random.randn(*z_mean.shape)
    return z_mean + np.exp(0.5 * z_log_var) * eps
''', False),
    ("check_reparameterize", '''# wrong: mean and sigma swapped
def reparameterize(key, z_mean, z_log_var):
    eps = jax.random.normal(key, z_mean.shape)
    return jnp.exp(0.5 * z_log_var) + z_mean * eps
''', False),
    ("check_reparameterize", '''# wrong: the mean forgotten
def reparameterize(key, z_mean, z_log_var):
    return jnp.exp(0.5 * z_log_var) * jax.random.normal(key, z_mean.shape)
''', False),
    ("check_reparameterize", '''# wrong: uniform noise
def reparameterize(key, z_mean, z_log_var):
    return z_mean + jnp.exp(0.5 * z_log_var) * jax.random.uniform(key, z_mean.shape)
''', False),
    ("check_reparameterize", '''# wrong: plus instead of times
def reparameterize(key, z_mean, z_log_var):
    return z_mean + jnp.exp(0.5 * z_log_var) + jax.random.normal(key, z_mean.shape)
''', False),
    ("check_reparameterize", '''# wrong: one noise vector for the whole batch
def reparameterize(key, z_mean, z_log_var):
    eps = jax.random.normal(key, (z_mean.shape[-1],))
    return z_mean + jnp.exp(0.5 * z_log_var) * eps
''', False),
    ("check_reparameterize", '''# wrong: 0.5 * variance as sigma
def reparameterize(key, z_mean, z_log_var):
    return z_mean + 0.5 * jnp.exp(z_log_var) * jax.random.normal(key, z_mean.shape)
''', False),
    # ------------------------------------------------------------------ ch04: kl_to_standard_normal
    ("check_kl_to_standard_normal", '''# right: signs moved inside
def kl_to_standard_normal(z_mean, z_log_var):
    return 0.5 * jnp.sum(jnp.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var, axis=1)
''', True),
    ("check_kl_to_standard_normal", '''# wrong: numpy loop over the batch (the chapter takes jax.grad of it inside jax.jit)
def kl_to_standard_normal(z_mean, z_log_var):
    m, lv = np.asarray(z_mean, np.float64), np.asarray(z_log_var, np.float64)
    out = np.empty(len(m))
    for b in range(len(m)):
        out[b] = -0.5 * np.sum(1 + lv[b] - m[b] ** 2 - np.exp(lv[b]))
    return out
''', False),
    ("check_kl_to_standard_normal", '''# right: log(sigma_p / sigma_q) form
def kl_to_standard_normal(z_mean, z_log_var):
    per_dim = -0.5 * z_log_var + (jnp.exp(z_log_var) + z_mean**2) / 2 - 0.5
    return per_dim.sum(-1)
''', True),
    ("check_kl_to_standard_normal", '''# wrong: sign flipped
def kl_to_standard_normal(z_mean, z_log_var):
    return 0.5 * jnp.sum(1.0 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
''', False),
    ("check_kl_to_standard_normal", '''# wrong: mean over the latent dimensions
def kl_to_standard_normal(z_mean, z_log_var):
    return -0.5 * jnp.mean(1.0 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
''', False),
    ("check_kl_to_standard_normal", '''# wrong: summed over the batch
def kl_to_standard_normal(z_mean, z_log_var):
    return -0.5 * jnp.sum(1.0 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=0)
''', False),
    ("check_kl_to_standard_normal", '''# wrong: the 1 forgotten
def kl_to_standard_normal(z_mean, z_log_var):
    return -0.5 * jnp.sum(z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
''', False),
    ("check_kl_to_standard_normal", '''# wrong: sigma where sigma^2 belongs
def kl_to_standard_normal(z_mean, z_log_var):
    return -0.5 * jnp.sum(1.0 + z_log_var - z_mean**2 - jnp.exp(0.5 * z_log_var), axis=-1)
''', False),
    ("check_kl_to_standard_normal", '''# wrong: one number for the batch
def kl_to_standard_normal(z_mean, z_log_var):
    return -0.5 * jnp.sum(1.0 + z_log_var - z_mean**2 - jnp.exp(z_log_var))
''', False),
    ("check_kl_to_standard_normal", '''# wrong: mean not squared
def kl_to_standard_normal(z_mean, z_log_var):
    return -0.5 * jnp.sum(1.0 + z_log_var - z_mean - jnp.exp(z_log_var), axis=-1)
''', False),
    ("check_kl_to_standard_normal", '''# wrong: the -0.5 forgotten
def kl_to_standard_normal(z_mean, z_log_var):
    return jnp.sum(1.0 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
''', False),
    ("check_kl_to_standard_normal", '''# wrong: mean over dimensions and sign flipped
def kl_to_standard_normal(z_mean, z_log_var):
    return 0.5 * jnp.mean(1.0 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
''', False),
    # ------------------------------------------------------------------ ch04: kl_diagonal_gaussians
    ("check_kl_diagonal_gaussians", '''# right: with standard deviations
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    sq, sp = jnp.exp(0.5 * log_var_q), jnp.exp(0.5 * log_var_p)
    per = jnp.log(sp / sq) + (sq**2 + (mean_q - mean_p) ** 2) / (2 * sp**2) - 0.5
    return per.sum(axis=-1)
''', True),
    ("check_kl_diagonal_gaussians", '''# right: variance ratio form
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    return 0.5 * jnp.sum(log_var_p - log_var_q + jnp.exp(log_var_q - log_var_p)
                         + (mean_q - mean_p) ** 2 * jnp.exp(-log_var_p) - 1, axis=-1)
''', True),
    ("check_kl_diagonal_gaussians", '''# right: numpy loops
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    mq, lq, mp, lp = (np.asarray(a, np.float64) for a in (mean_q, log_var_q, mean_p, log_var_p))
    B, D = mq.shape
    out = np.zeros(B)
    for b in range(B):
        for d in range(D):
            out[b] += 0.5 * (lp[b, d] - lq[b, d]) + (np.exp(lq[b, d]) + (mq[b, d] - mp[b, d]) ** 2) / (2 * np.exp(lp[b, d])) - 0.5
    return out
''', True),
    ("check_kl_diagonal_gaussians", '''# wrong: KL(p || q)
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    var_q, var_p = jnp.exp(log_var_q), jnp.exp(log_var_p)
    per = 0.5 * (log_var_q - log_var_p) + (var_p + (mean_q - mean_p) ** 2) / (2 * var_q) - 0.5
    return jnp.sum(per, axis=-1)
''', False),
    ("check_kl_diagonal_gaussians", '''# wrong: log ratio upside down
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    var_q, var_p = jnp.exp(log_var_q), jnp.exp(log_var_p)
    per = 0.5 * (log_var_q - log_var_p) + (var_q + (mean_q - mean_p) ** 2) / (2 * var_p) - 0.5
    return jnp.sum(per, axis=-1)
''', False),
    ("check_kl_diagonal_gaussians", '''# wrong: the -1/2 forgotten
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    var_q, var_p = jnp.exp(log_var_q), jnp.exp(log_var_p)
    per = 0.5 * (log_var_p - log_var_q) + (var_q + (mean_q - mean_p) ** 2) / (2 * var_p)
    return jnp.sum(per, axis=-1)
''', False),
    ("check_kl_diagonal_gaussians", '''# wrong: divided by var_q
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    var_q, var_p = jnp.exp(log_var_q), jnp.exp(log_var_p)
    per = 0.5 * (log_var_p - log_var_q) + (var_q + (mean_q - mean_p) ** 2) / (2 * var_q) - 0.5
    return jnp.sum(per, axis=-1)
''', False),
    ("check_kl_diagonal_gaussians", '''# wrong: sigma_p where sigma_p^2 belongs
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    var_q, std_p = jnp.exp(log_var_q), jnp.exp(0.5 * log_var_p)
    per = 0.5 * (log_var_p - log_var_q) + (var_q + (mean_q - mean_p) ** 2) / (2 * std_p) - 0.5
    return jnp.sum(per, axis=-1)
''', False),
    ("check_kl_diagonal_gaussians", '''# wrong: not summed over D
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    var_q, var_p = jnp.exp(log_var_q), jnp.exp(log_var_p)
    return 0.5 * (log_var_p - log_var_q) + (var_q + (mean_q - mean_p) ** 2) / (2 * var_p) - 0.5
''', False),
    ("check_kl_diagonal_gaussians", '''# wrong: mean difference not squared
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    var_q, var_p = jnp.exp(log_var_q), jnp.exp(log_var_p)
    per = 0.5 * (log_var_p - log_var_q) + (var_q + (mean_q - mean_p)) / (2 * var_p) - 0.5
    return jnp.sum(per, axis=-1)
''', False),
    ("check_kl_diagonal_gaussians", '''# wrong: log ratio of variances not halved
def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    var_q, var_p = jnp.exp(log_var_q), jnp.exp(log_var_p)
    per = (log_var_p - log_var_q) + (var_q + (mean_q - mean_p) ** 2) / (2 * var_p) - 0.5
    return jnp.sum(per, axis=-1)
''', False),
    # ------------------------------------------------------------------ ch05: vae_loss
    ("check_vae_loss", '''# right: everything written out
def vae_loss(logits, x, z_mean, z_log_var, beta):
    bce = jnp.maximum(logits, 0) - logits * x + jnp.log1p(jnp.exp(-jnp.abs(logits)))
    rec = bce.reshape(bce.shape[0], -1).mean(axis=1)
    kl = 0.5 * jnp.sum(jnp.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=1)
    return jnp.mean(beta * rec + kl)
''', True),
    ("check_vae_loss", '''# right: the means split (all images have the same size)
def vae_loss(logits, x, z_mean, z_log_var, beta):
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return beta * jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x)) + jnp.mean(kl)
''', True),
    ("check_vae_loss", '''# right: numpy loop over the batch
def vae_loss(logits, x, z_mean, z_log_var, beta):
    L, X = np.asarray(logits, np.float64), np.asarray(x, np.float64)
    M, V = np.asarray(z_mean, np.float64), np.asarray(z_log_var, np.float64)
    total = 0.0
    for l, t, m, v in zip(L, X, M, V):
        rec = np.mean(np.maximum(l, 0) - l * t + np.log1p(np.exp(-np.abs(l))))
        kl = -0.5 * np.sum(1 + v - m**2 - np.exp(v))
        total += beta * rec + kl
    return total / len(L)
''', True),
    ("check_vae_loss", '''# wrong: BCE summed over the pixels
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.sum(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.mean(beta * rec + kl)
''', False),
    ("check_vae_loss", '''# wrong: beta forgotten
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.mean(rec + kl)
''', False),
    ("check_vae_loss", '''# wrong: beta on the KL
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.mean(rec + beta * kl)
''', False),
    ("check_vae_loss", '''# wrong: KL sign flipped
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
    kl = 0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.mean(beta * rec + kl)
''', False),
    ("check_vae_loss", '''# wrong: sigmoid applied twice
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.mean(optax.sigmoid_binary_cross_entropy(jax.nn.sigmoid(logits), x), axis=(1, 2, 3))
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.mean(beta * rec + kl)
''', False),
    ("check_vae_loss", '''# wrong: KL averaged over the latent dimensions
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
    kl = -0.5 * jnp.mean(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.mean(beta * rec + kl)
''', False),
    ("check_vae_loss", '''# wrong: one loss per example
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return beta * rec + kl
''', False),
    ("check_vae_loss", '''# wrong: the parts returned too
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.mean(beta * rec + kl), jnp.mean(rec), jnp.mean(kl)
''', False),
    ("check_vae_loss", '''# wrong: summed over the batch
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.sum(beta * rec + kl)
''', False),
    ("check_vae_loss", '''# wrong: logits and images swapped in the BCE
def vae_loss(logits, x, z_mean, z_log_var, beta):
    rec = jnp.mean(optax.sigmoid_binary_cross_entropy(x, logits), axis=(1, 2, 3))
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.mean(beta * rec + kl)
''', False),
    # ------------------------------------------------------------------ ch05: iwae_from_log_weights
    ("check_iwae_from_log_weights", '''# right: max trick by hand
def iwae_from_log_weights(log_w):
    m = jnp.max(log_w, axis=0)
    return m + jnp.log(jnp.mean(jnp.exp(log_w - m), axis=0))
''', True),
    ("check_iwae_from_log_weights", '''# right: logsumexp with b = 1/k
def iwae_from_log_weights(log_w):
    return jax.scipy.special.logsumexp(log_w, axis=0, b=1.0 / log_w.shape[0])
''', True),
    ("check_iwae_from_log_weights", '''# right: numpy loop over images with logaddexp
def iwae_from_log_weights(log_w):
    lw = np.asarray(log_w, np.float64)
    k = lw.shape[0]
    return np.array([np.logaddexp.reduce(lw[:, b]) - np.log(k) for b in range(lw.shape[1])])
''', True),
    ("check_iwae_from_log_weights", '''# wrong: log k not subtracted
def iwae_from_log_weights(log_w):
    return jax.scipy.special.logsumexp(log_w, axis=0)
''', False),
    ("check_iwae_from_log_weights", '''# wrong: over the images axis
def iwae_from_log_weights(log_w):
    return jax.scipy.special.logsumexp(log_w, axis=1) - jnp.log(log_w.shape[1])
''', False),
    ("check_iwae_from_log_weights", '''# wrong: log of the mean of exp, underflows
def iwae_from_log_weights(log_w):
    return jnp.log(jnp.mean(jnp.exp(log_w), axis=0))
''', False),
    ("check_iwae_from_log_weights", '''# wrong: the mean of the log-weights
def iwae_from_log_weights(log_w):
    return jnp.mean(log_w, axis=0)
''', False),
    ("check_iwae_from_log_weights", '''# wrong: divided by k instead of minus log k
def iwae_from_log_weights(log_w):
    return jax.scipy.special.logsumexp(log_w, axis=0) / log_w.shape[0]
''', False),
    ("check_iwae_from_log_weights", '''# wrong: the largest weight only
def iwae_from_log_weights(log_w):
    return jnp.max(log_w, axis=0)
''', False),
    ("check_iwae_from_log_weights", '''# wrong: log B instead of log k
def iwae_from_log_weights(log_w):
    return jax.scipy.special.logsumexp(log_w, axis=0) - jnp.log(log_w.shape[1])
''', False),
    ("check_iwae_from_log_weights", '''# wrong: minus k, not minus log k
def iwae_from_log_weights(log_w):
    return jax.scipy.special.logsumexp(log_w, axis=0) - log_w.shape[0]
''', False),
    # ------------------------------------------------------------------ ch06: attribute_vector_from_codes
    ("check_attribute_vector_from_codes", '''# right: running sums in a dict, one loop
def attribute_vector_from_codes(z_batches, label_batches, tol=0.04, max_examples=10_000):
    total = {True: 0.0, False: 0.0}
    count = {True: 0, False: 0}
    mean = {True: None, False: None}
    seen = 0
    for z, lab in zip(z_batches, label_batches):
        z, lab = np.asarray(z, np.float64), np.asarray(lab) > 0
        moved = {}
        for cls in (True, False):
            rows = z[lab == cls]
            if len(rows) == 0:
                continue
            total[cls] = total[cls] + rows.sum(axis=0)
            count[cls] += len(rows)
            new = total[cls] / count[cls]
            moved[cls] = np.inf if mean[cls] is None else np.sqrt(np.sum((new - mean[cls]) ** 2))
            mean[cls] = new
        seen += z.shape[0]
        if len(moved) == 2 and all(v < tol for v in moved.values()):
            break
        if seen >= max_examples:
            break
    v = mean[True] - mean[False]
    return v / np.sqrt(np.sum(v**2))
''', True),
    ("check_attribute_vector_from_codes", '''# right: incremental mean update (Welford style)
def attribute_vector_from_codes(z_batches, label_batches, tol=0.04, max_examples=10_000):
    means, ns = [None, None], [0, 0]
    seen = 0
    for z, lab in zip(z_batches, label_batches):
        z = np.asarray(z, np.float64)
        has = np.asarray(lab) > 0
        moves = []
        for i, mask in enumerate([has, ~has]):
            nb = int(mask.sum())
            if nb == 0:
                continue
            batch_mean = z[mask].mean(axis=0)
            if means[i] is None:
                means[i], ns[i] = batch_mean, nb
                moves.append(np.inf)
                continue
            new = means[i] + (batch_mean - means[i]) * nb / (ns[i] + nb)
            moves.append(np.linalg.norm(new - means[i]))
            means[i], ns[i] = new, ns[i] + nb
        seen += len(z)
        if (len(moves) == 2 and max(moves) < tol) or seen >= max_examples:
            break
    d = means[0] - means[1]
    return d / np.linalg.norm(d)
''', True),
    _running_wrong("not normalised", combine="max", difference="means[0] - means[1]", result="d"),
    _running_wrong("from the mean with to the mean without", combine="max", difference="means[1] - means[0]", result="d / np.linalg.norm(d)"),
    ("check_attribute_vector_from_codes", '''# wrong: tol ignored, every batch used
def attribute_vector_from_codes(z_batches, label_batches, tol=0.04, max_examples=10_000):
    with_, without, seen = [], [], 0
    for z, labels in zip(z_batches, label_batches):
        z = np.asarray(z)
        has = np.asarray(labels) > 0
        with_.append(z[has])
        without.append(z[~has])
        seen += len(z)
        if seen >= max_examples:
            break
    d = np.concatenate(with_).mean(axis=0) - np.concatenate(without).mean(axis=0)
    return d / np.linalg.norm(d)
''', False),
    _running_wrong("stops when either mean settles (min instead of max)", combine="min", difference="means[0] - means[1]", result="d / np.linalg.norm(d)"),
    _running_wrong("the mean of the batch means", init="    batch_means = [[], []]\n    means = [None, None]\n",
                   update="            batch_means[i].append(z[group].mean(axis=0))\n"
                          "            new = np.mean(batch_means[i], axis=0)\n"),
    _running_wrong("divided by the sum of absolute values", combine="max", difference="means[0] - means[1]", result="d / np.sum(np.abs(d))"),
    # ------------------------------------------------------------------ ch06: morph_codes
    ("check_morph_codes", '''# right: a loop
def morph_codes(z_a, z_b, steps):
    z_a, z_b = np.asarray(z_a), np.asarray(z_b)
    return np.stack([z_a + (z_b - z_a) * i / (steps - 1) for i in range(steps)])
''', True),
    ("check_morph_codes", '''# right: jnp, start plus direction
def morph_codes(z_a, z_b, steps):
    return z_a + jnp.linspace(0.0, 1.0, steps)[:, None] * (z_b - z_a)
''', True),
    ("check_morph_codes", '''# right: np.linspace with array end points
def morph_codes(z_a, z_b, steps):
    return np.linspace(np.asarray(z_a), np.asarray(z_b), steps)
''', True),
    ("check_morph_codes", '''# wrong: endpoint=False
def morph_codes(z_a, z_b, steps):
    t = np.linspace(0.0, 1.0, steps, endpoint=False)[:, None]
    return (1 - t) * z_a + t * z_b
''', False),
    ("check_morph_codes", '''# wrong: arange / steps
def morph_codes(z_a, z_b, steps):
    t = (np.arange(steps) / steps)[:, None]
    return (1 - t) * z_a + t * z_b
''', False),
    ("check_morph_codes", '''# wrong: from z_b to z_a
def morph_codes(z_a, z_b, steps):
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return t * z_a + (1 - t) * z_b
''', False),
    ("check_morph_codes", '''# wrong: (D, steps)
def morph_codes(z_a, z_b, steps):
    t = np.linspace(0.0, 1.0, steps)[None, :]
    return (1 - t) * np.asarray(z_a)[:, None] + t * np.asarray(z_b)[:, None]
''', False),
    ("check_morph_codes", '''# wrong: steps - 1 points
def morph_codes(z_a, z_b, steps):
    t = np.linspace(0.0, 1.0, steps - 1)[:, None]
    return (1 - t) * z_a + t * z_b
''', False),
    ("check_morph_codes", '''# wrong: (1 - alpha) forgotten
def morph_codes(z_a, z_b, steps):
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return z_a + t * z_b
''', False),
    ("check_morph_codes", '''# wrong: starts at 1 / steps
def morph_codes(z_a, z_b, steps):
    t = np.linspace(1.0 / steps, 1.0, steps)[:, None]
    return (1 - t) * z_a + t * z_b
''', False),
    ("check_morph_codes", '''# wrong: only the points strictly between
def morph_codes(z_a, z_b, steps):
    t = np.linspace(0.0, 1.0, steps + 2)[1:-1, None]
    return (1 - t) * z_a + t * z_b
''', False),
    # ------------------------------------------------------------------ ch07: group_norm
    ("check_group_norm", '''# right: a loop over the groups
def group_norm(x, num_groups, eps=1e-6):
    x = np.asarray(x, np.float64)
    cs = x.shape[-1] // num_groups
    out = np.empty_like(x)
    for g in range(num_groups):
        block = x[..., g * cs:(g + 1) * cs]
        m = block.mean(axis=(1, 2, 3), keepdims=True)
        v = ((block - m) ** 2).mean(axis=(1, 2, 3), keepdims=True)
        out[..., g * cs:(g + 1) * cs] = (block - m) / np.sqrt(v + eps)
    return out
''', True),
    ("check_group_norm", '''# right: rsqrt, one reshape with -1
def group_norm(x, num_groups, eps=1e-6):
    B, H, W, C = x.shape
    g = x.reshape(B, -1, num_groups, C // num_groups)
    m = g.mean(axis=(1, 3), keepdims=True)
    v = jnp.mean((g - m) ** 2, axis=(1, 3), keepdims=True)
    return ((g - m) * jax.lax.rsqrt(v + eps)).reshape(B, H, W, C)
''', True),
    ("check_group_norm", '''# right: groups first (moveaxis)
def group_norm(x, num_groups, eps=1e-6):
    B, H, W, C = x.shape
    g = np.moveaxis(np.asarray(x, np.float64).reshape(B, H * W, num_groups, C // num_groups), 2, 1)
    g = g.reshape(B, num_groups, -1)
    n = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)
    return np.moveaxis(n.reshape(B, num_groups, H * W, C // num_groups), 1, 2).reshape(B, H, W, C)
''', True),
    _gn_wrong("eps outside the sqrt", "(g - mean) / (jnp.sqrt(var) + eps)"),
    _gn_wrong("groups made of every G-th channel", "(g - mean) / jnp.sqrt(var + eps)", groups="c // num_groups, num_groups", axes="(1, 2, 3)"),
    ("check_group_norm", '''# wrong: per channel (instance norm)
def group_norm(x, num_groups, eps=1e-6):
    mean = jnp.mean(x, axis=(1, 2), keepdims=True)
    var = jnp.var(x, axis=(1, 2), keepdims=True)
    return (x - mean) / jnp.sqrt(var + eps)
''', False),
    _gn_wrong("the batch axis averaged too", "(g - mean) / jnp.sqrt(var + eps)", axes="(0, 1, 2, 4)"),
    _gn_wrong("divided by the variance", "(g - mean) / (var + eps)"),
    ("check_group_norm", '''# wrong: the mean not subtracted
def group_norm(x, num_groups, eps=1e-6):
    b, h, w, c = x.shape
    g = jnp.reshape(x, (b, h, w, num_groups, c // num_groups))
    var = jnp.var(g, axis=(1, 2, 4), keepdims=True)
    return jnp.reshape(g / jnp.sqrt(var + eps), (b, h, w, c))
''', False),
    ("check_group_norm", '''# wrong: numpy std with ddof=1
def group_norm(x, num_groups, eps=1e-6):
    x = np.asarray(x)
    b, h, w, c = x.shape
    g = x.reshape(b, h, w, num_groups, c // num_groups)
    mean = g.mean(axis=(1, 2, 4), keepdims=True)
    std = np.sqrt(g.var(axis=(1, 2, 4), keepdims=True, ddof=1) + eps)
    return ((g - mean) / std).reshape(b, h, w, c)
''', False),
    ("check_group_norm", '''# wrong: all channels together (layer norm)
def group_norm(x, num_groups, eps=1e-6):
    mean = jnp.mean(x, axis=(1, 2, 3), keepdims=True)
    var = jnp.var(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) / jnp.sqrt(var + eps)
''', False),
    # ------------------------------------------------------------------ ch07: latent_scale_factor
    ("check_latent_scale_factor", '''# right: the std written out
def latent_scale_factor(latents):
    z = np.asarray(latents, np.float64)
    return 1.0 / np.sqrt(np.mean((z - z.mean()) ** 2))
''', True),
    ("check_latent_scale_factor", '''# right: flattened, power -1
def latent_scale_factor(latents):
    return jnp.std(latents.reshape(-1)) ** -1
''', True),
    ("check_latent_scale_factor", '''# right: rsqrt of the variance
def latent_scale_factor(latents):
    return jax.lax.rsqrt(jnp.var(latents))
''', True),
    ("check_latent_scale_factor", '''# wrong: the std, not its inverse
def latent_scale_factor(latents):
    return jnp.std(latents)
''', False),
    ("check_latent_scale_factor", '''# wrong: 1 / variance
def latent_scale_factor(latents):
    return 1.0 / jnp.var(latents)
''', False),
    ("check_latent_scale_factor", '''# wrong: one factor per channel
def latent_scale_factor(latents):
    return 1.0 / jnp.std(latents, axis=(0, 1, 2))
''', False),
    ("check_latent_scale_factor", '''# wrong: ddof=1
def latent_scale_factor(latents):
    return 1.0 / np.std(np.asarray(latents), ddof=1)
''', False),
    ("check_latent_scale_factor", '''# wrong: mean absolute value
def latent_scale_factor(latents):
    return 1.0 / jnp.mean(jnp.abs(latents))
''', False),
    ("check_latent_scale_factor", '''# wrong: largest absolute value
def latent_scale_factor(latents):
    return 1.0 / jnp.max(jnp.abs(latents))
''', False),
    ("check_latent_scale_factor", '''# wrong: root mean square, not centred
def latent_scale_factor(latents):
    return 1.0 / jnp.sqrt(jnp.mean(latents**2))
''', False),
    ("check_latent_scale_factor", '''# wrong: mean of the per-image stds
def latent_scale_factor(latents):
    return 1.0 / jnp.mean(jnp.std(latents, axis=tuple(range(1, latents.ndim))))
''', False),
    # ------------------------------------------------------------------ ch07: conv_kernel_torch_to_flax
    ("check_conv_kernel_torch_to_flax", '''# right: jnp.transpose
def conv_kernel_torch_to_flax(w):
    return jnp.transpose(jnp.asarray(w), (2, 3, 1, 0))
''', True),
    ("check_conv_kernel_torch_to_flax", '''# right: einsum
def conv_kernel_torch_to_flax(w):
    return np.einsum("oihw->hwio", np.asarray(w))
''', True),
    ("check_conv_kernel_torch_to_flax", '''# right: moveaxis
def conv_kernel_torch_to_flax(w):
    return np.moveaxis(np.asarray(w), [0, 1], [3, 2])
''', True),
    ("check_conv_kernel_torch_to_flax", '''# right: loops
def conv_kernel_torch_to_flax(w):
    w = np.asarray(w)
    o, i, kh, kw = w.shape
    out = np.zeros((kh, kw, i, o), w.dtype)
    for a in range(o):
        for b in range(i):
            out[:, :, b, a] = w[a, b]
    return out
''', True),
    ("check_conv_kernel_torch_to_flax", '''# wrong: w.T
def conv_kernel_torch_to_flax(w):
    return np.asarray(w).T
''', False),
    ("check_conv_kernel_torch_to_flax", '''# wrong: in and out swapped
def conv_kernel_torch_to_flax(w):
    return np.transpose(np.asarray(w), (2, 3, 0, 1))
''', False),
    ("check_conv_kernel_torch_to_flax", '''# wrong: reshape
def conv_kernel_torch_to_flax(w):
    o, i, kh, kw = w.shape
    return np.reshape(np.asarray(w), (kh, kw, i, o))
''', False),
    ("check_conv_kernel_torch_to_flax", '''# wrong: spatially flipped (as for a transposed conv)
def conv_kernel_torch_to_flax(w):
    return np.transpose(np.asarray(w), (2, 3, 1, 0))[::-1, ::-1]
''', False),
    ("check_conv_kernel_torch_to_flax", '''# wrong: out moved to the end only
def conv_kernel_torch_to_flax(w):
    return np.moveaxis(np.asarray(w), 0, -1)
''', False),
    ("check_conv_kernel_torch_to_flax", '''# wrong: swapaxes(0, 3)
def conv_kernel_torch_to_flax(w):
    return np.swapaxes(np.asarray(w), 0, 3)
''', False),
    ("check_conv_kernel_torch_to_flax", '''# wrong: unchanged
def conv_kernel_torch_to_flax(w):
    return w
''', False),
]
