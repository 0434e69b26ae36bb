// Layers and activations: construction, initialization, printing and forward.
#include "nabla/nn/modules.h"

#include <fmt/ranges.h>

#include <cmath>
#include <ostream>

#include "core/check.h"
#include "nabla/nn/init.h"
#include "nabla/ops.h"

namespace nabla::nn {

namespace F = functional;

// ---- Linear ------------------------------------------------------------------------------

LinearImpl::LinearImpl(const LinearOptions& options) : options(options) { reset(); }

void LinearImpl::reset() {
  NABLA_CHECK(options.in_features() >= 0 && options.out_features() >= 0,
              "[Linear] in_features and out_features must be non-negative, got {} and {}",
              options.in_features(), options.out_features());
  weight =
      register_parameter("weight", nabla::empty({options.out_features(), options.in_features()}));
  if (options.bias()) {
    bias = register_parameter("bias", nabla::empty({options.out_features()}));
  } else {
    bias = register_parameter("bias", Tensor(), /*requires_grad=*/false);
  }
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::_calculate_fan_in_and_fan_out(weight);
    (void)fan_out;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

void LinearImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::Linear(in_features=" << options.in_features()
         << ", out_features=" << options.out_features() << ", bias=" << options.bias() << ")";
}

Tensor LinearImpl::forward(const Tensor& input) { return F::linear(input, weight, bias); }

// ---- shape -------------------------------------------------------------------------------

void IdentityImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::Identity()"; }

void FlattenImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Flatten(start_dim=" << options.start_dim()
         << ", end_dim=" << options.end_dim() << ")";
}

Tensor FlattenImpl::forward(const Tensor& input) {
  return input.flatten(options.start_dim(), options.end_dim());
}

void UnflattenImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Unflatten(dim=" << options.dim() << ", unflattened_size={"
         << fmt::format("{}", fmt::join(options.sizes(), ", ")) << "})";
}

Tensor UnflattenImpl::forward(const Tensor& input) {
  return input.unflatten(options.dim(), options.sizes());
}

// ---- Dropout -----------------------------------------------------------------------------

DropoutImpl::DropoutImpl(const DropoutOptions& options) : options(options) { reset(); }

void DropoutImpl::reset() {
  NABLA_CHECK(options.p() >= 0 && options.p() <= 1,
              "[Dropout] dropout probability has to be between 0 and 1, but got {}", options.p());
}

void DropoutImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::Dropout(p=" << options.p()
         << ", inplace=" << options.inplace() << ")";
}

Tensor DropoutImpl::forward(Tensor input) {
  return F::dropout(
      std::move(input),
      F::DropoutFuncOptions().p(options.p()).inplace(options.inplace()).training(is_training()));
}

// ---- Embedding ---------------------------------------------------------------------------

EmbeddingImpl::EmbeddingImpl(EmbeddingOptions options) : options(std::move(options)) { reset(); }

namespace {

// The table of Embedding and EmbeddingBag: padding_idx wrapped into [0, num), then the given
// _weight registered as the parameter, or else a fresh [num, dim] one; true when fresh (the
// caller initializes it).
template <class Options>
bool register_table(Module& module, Options& options, Tensor& weight, const char* op) {
  const int64_t num = options.num_embeddings(), dim = options.embedding_dim();
  NABLA_CHECK(num >= 0 && dim >= 0,
              "[{}] num_embeddings and embedding_dim must be non-negative, got {} and {}", op, num,
              dim);
  if (options.padding_idx().has_value()) {
    int64_t& pad = *options.padding_idx();
    NABLA_CHECK(pad >= -num && pad < num, "[{}] padding_idx {} must be within num_embeddings ({})",
                op, pad, num);
    if (pad < 0) pad += num;
  }
  if (!options._weight().defined()) {
    weight = module.register_parameter("weight", nabla::empty({num, dim}));
    return true;
  }
  NABLA_CHECK(options._weight().sizes() == IntArrayRef({num, dim}),
              "[{}] _weight has shape {}, expected [{}, {}]", op, options._weight().sizes(), num,
              dim);
  weight = module.register_parameter("weight", options._weight());
  // The table is now the parameter; a later reset() (or clone()) makes a fresh one.
  options._weight(Tensor());
  return false;
}

}  // namespace

void EmbeddingImpl::reset() {
  if (register_table(*this, options, weight, "Embedding")) reset_parameters();
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx().has_value()) {
    NoGradGuard no_grad;
    weight[*options.padding_idx()].fill_(0);
  }
}

void EmbeddingImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Embedding(num_embeddings=" << options.num_embeddings()
         << ", embedding_dim=" << options.embedding_dim();
  if (options.padding_idx()) stream << ", padding_idx=" << *options.padding_idx();
  stream << ")";
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  return F::embedding(indices, weight,
                      F::EmbeddingFuncOptions()
                          .padding_idx(options.padding_idx())
                          .max_norm(options.max_norm())
                          .norm_type(options.norm_type())
                          .scale_grad_by_freq(options.scale_grad_by_freq())
                          .sparse(options.sparse()));
}

Embedding Embedding::from_pretrained(const Tensor& embeddings,
                                     const EmbeddingFromPretrainedOptions& options) {
  NABLA_CHECK(embeddings.defined() && embeddings.dim() == 2,
              "[Embedding::from_pretrained] embeddings must be a 2-D tensor, got {}",
              embeddings.defined() ? embeddings.sizes() : IntArrayRef());
  Embedding embedding(EmbeddingOptions(embeddings.size(0), embeddings.size(1))
                          ._weight(embeddings)
                          .padding_idx(options.padding_idx())
                          .max_norm(options.max_norm())
                          .norm_type(options.norm_type())
                          .scale_grad_by_freq(options.scale_grad_by_freq())
                          .sparse(options.sparse()));
  embedding->weight.set_requires_grad(!options.freeze());
  return embedding;
}

// ---- EmbeddingBag ------------------------------------------------------------------------

EmbeddingBagMode::EmbeddingBagMode(Reduction reduction)
    : kind_(reduction == Reduction::Sum ? Kind::Sum : Kind::Mean) {
  NABLA_CHECK(reduction == Reduction::Sum || reduction == Reduction::Mean,
              "[EmbeddingBag] mode must be kSum, kMean or kMax, got '{}'", toString(reduction));
}

const char* EmbeddingBagMode::name() const {
  switch (kind_) {
    case Kind::Sum:
      return "sum";
    case Kind::Mean:
      return "mean";
    case Kind::Max:
      return "max";
  }
  return "?";
}

EmbeddingBagImpl::EmbeddingBagImpl(EmbeddingBagOptions options) : options(std::move(options)) {
  reset();
}

void EmbeddingBagImpl::reset() {
  NABLA_CHECK(!options.sparse(),
              "[EmbeddingBag] sparse gradients are not supported (nabla has no sparse tensors); "
              "use sparse(false)");
  if (register_table(*this, options, weight, "EmbeddingBag")) reset_parameters();
}

void EmbeddingBagImpl::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx().has_value()) {
    NoGradGuard no_grad;
    weight[*options.padding_idx()].fill_(0);
  }
}

void EmbeddingBagImpl::pretty_print(std::ostream& stream) const {
  // LibTorch's format: the options that differ from their defaults, the mode as its tag's name.
  stream << "nabla::nn::EmbeddingBag(num_embeddings=" << options.num_embeddings()
         << ", embedding_dim=" << options.embedding_dim();
  if (options.max_norm()) stream << ", max_norm=" << *options.max_norm();
  if (options.norm_type() != 2) stream << ", norm_type=" << options.norm_type();
  if (options.scale_grad_by_freq()) stream << ", scale_grad_by_freq=true";
  if (options.mode().kind() == EmbeddingBagMode::Kind::Sum) stream << ", mode=kSum";
  if (options.mode().kind() == EmbeddingBagMode::Kind::Max) stream << ", mode=kMax";
  if (options.include_last_offset()) stream << ", include_last_offset=true";
  if (options.padding_idx()) stream << ", padding_idx=" << *options.padding_idx();
  stream << ")";
}

Tensor EmbeddingBagImpl::forward(const Tensor& input, const Tensor& offsets,
                                 const Tensor& per_sample_weights) {
  return F::embedding_bag(input, weight,
                          F::EmbeddingBagFuncOptions()
                              .offsets(offsets)
                              .max_norm(options.max_norm())
                              .norm_type(options.norm_type())
                              .scale_grad_by_freq(options.scale_grad_by_freq())
                              .mode(options.mode())
                              .sparse(options.sparse())
                              .per_sample_weights(per_sample_weights)
                              .include_last_offset(options.include_last_offset())
                              .padding_idx(options.padding_idx()));
}

EmbeddingBag EmbeddingBag::from_pretrained(const Tensor& embeddings,
                                           const EmbeddingBagFromPretrainedOptions& options) {
  NABLA_CHECK(embeddings.defined() && embeddings.dim() == 2,
              "[EmbeddingBag::from_pretrained] embeddings must be a 2-D tensor, got {}",
              embeddings.defined() ? embeddings.sizes() : IntArrayRef());
  EmbeddingBag bag(EmbeddingBagOptions(embeddings.size(0), embeddings.size(1))
                       ._weight(embeddings)
                       .max_norm(options.max_norm())
                       .norm_type(options.norm_type())
                       .scale_grad_by_freq(options.scale_grad_by_freq())
                       .mode(options.mode())
                       .sparse(options.sparse())
                       .include_last_offset(options.include_last_offset())
                       .padding_idx(options.padding_idx()));
  bag->weight.set_requires_grad(!options.freeze());
  return bag;
}

// ---- normalization -----------------------------------------------------------------------

LayerNormImpl::LayerNormImpl(LayerNormOptions options) : options(std::move(options)) { reset(); }

void LayerNormImpl::reset() {
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", nabla::empty(options.normalized_shape()));
    bias = register_parameter("bias", nabla::empty(options.normalized_shape()));
  } else {
    weight = register_parameter("weight", Tensor(), /*requires_grad=*/false);
    bias = register_parameter("bias", Tensor(), /*requires_grad=*/false);
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

void LayerNormImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::LayerNorm(" << IntArrayRef(options.normalized_shape())
         << ", eps=" << options.eps() << ", elementwise_affine=" << options.elementwise_affine()
         << ")";
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return F::layer_norm(input, F::LayerNormFuncOptions(options.normalized_shape())
                                  .weight(weight)
                                  .bias(bias)
                                  .eps(options.eps()));
}

// ---- activations -------------------------------------------------------------------------

void ReLUImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::ReLU(";
  if (options.inplace()) stream << "inplace=true";
  stream << ")";
}
Tensor ReLUImpl::forward(Tensor input) { return F::relu(std::move(input), options); }

void LeakyReLUImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::LeakyReLU(negative_slope=" << options.negative_slope();
  if (options.inplace()) stream << ", inplace=true";
  stream << ")";
}
Tensor LeakyReLUImpl::forward(Tensor input) { return F::leaky_relu(std::move(input), options); }

void ELUImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::ELU(alpha=" << options.alpha();
  if (options.inplace()) stream << ", inplace=true";
  stream << ")";
}
Tensor ELUImpl::forward(Tensor input) { return F::elu(std::move(input), options); }

void GELUImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::GELU(";
  if (options.approximate() != "none") stream << "approximate=" << options.approximate();
  stream << ")";
}
Tensor GELUImpl::forward(const Tensor& input) { return F::gelu(input, options); }

void SiLUImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::SiLU()"; }
Tensor SiLUImpl::forward(const Tensor& input) { return F::silu(input); }

void SigmoidImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::Sigmoid()"; }
Tensor SigmoidImpl::forward(const Tensor& input) { return input.sigmoid(); }

void TanhImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::Tanh()"; }
Tensor TanhImpl::forward(const Tensor& input) { return input.tanh(); }

void SoftmaxImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Softmax(dim=" << options.dim() << ")";
}
Tensor SoftmaxImpl::forward(const Tensor& input) { return F::softmax(input, options.dim()); }

void LogSoftmaxImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::LogSoftmax(dim=" << options.dim() << ")";
}
Tensor LogSoftmaxImpl::forward(const Tensor& input) { return F::log_softmax(input, options.dim()); }

void CosineSimilarityImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::CosineSimilarity(dim=" << options.dim() << ", eps=" << options.eps() << ")";
}
Tensor CosineSimilarityImpl::forward(const Tensor& input1, const Tensor& input2) {
  return F::cosine_similarity(input1, input2, options);
}

void PairwiseDistanceImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::PairwiseDistance(p=" << options.p() << ", eps=" << options.eps()
         << ", keepdim=" << (options.keepdim() ? "true" : "false") << ")";
}
Tensor PairwiseDistanceImpl::forward(const Tensor& input1, const Tensor& input2) {
  return F::pairwise_distance(input1, input2, options);
}

}  // namespace nabla::nn
