package stdlib

// GaussLegendre01 exports the UMNN quadrature rule to the external tests.
var GaussLegendre01 = gaussLegendre01
