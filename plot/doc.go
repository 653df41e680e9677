// Package plot draws the pictures people look at when they train a flow,
// with gonum.org/v1/plot:
//
//   - Samples: the model's samples against the data (side by side for
//     2-D data, a pairwise grid of the first four dimensions beyond, and
//     overlaid histograms for one); SamplesOnly without data;
//   - Density: the learned density of a 2-D model as a heat map;
//   - Loss: the training loss and validation NLL against the step.
//
// The format comes from the file's extension: .png (at DPI dots per inch)
// or .svg. Files are written atomically, through a temporary file and a
// rename. Texts use Liberation Sans, which gonum/plot ships, so a picture
// looks the same on every machine.
package plot
