"""Layer-by-layer learners (CS231n-style functions, layer objects, dict-param nets), correct and buggy."""
