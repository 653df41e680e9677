// Package train fits a lowered model's parameters: the algorithm behind a
// `train` statement, apart from the language that asks for it.
//
// Loop is the step loop every objective shares: the learning-rate
// schedule, a non-finite loss (which stops training and keeps the best
// parameters so far), validation every EvalInterval steps, early stopping
// after Patience evaluations without improvement, cancellation through a
// context (which stops like early stopping: the best parameters are
// kept), and hooks for progress and for each new best. An Objective is
// what the loop minimises; Likelihood is maximum likelihood on rows of
// data:
//
//  1. the rows are split, with a seeded permutation, into training,
//     validation and test rows (dataset.SplitSizes), which the Result
//     keeps (Parts) so that `eval FLOW on test` scores the same rows;
//  2. the model's standardization — fixed parameters of the model, see
//     compiler.Model.FixedValues — is filled from the training rows: the
//     per-column mean and deviation, and with whitening the
//     full-covariance map of the shrunk (OAS) covariance estimate, so a
//     flow at its identity starts as that Gaussian fit (see Whiten);
//  3. Adam steps on minibatches (package runtime) run under Loop;
//  4. model selection: the parameters with the best validation NLL are
//     kept, unless the validation rows cannot show, by two standard errors
//     of the paired per-row difference, that they beat the Gaussian fit
//     (with a defensive mixture) or the initial flow (without): then the
//     model is that baseline (the two-standard-error rule).
//
// Results depend only on the rows, the options and the seed: the same
// inputs give bit-identical parameters on any number of cores.
package train
