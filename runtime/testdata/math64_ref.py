# Generates math64_ref.txt, the reference values of TestMath64Reference:
# x, then e^x and tanh(x) rounded correctly to float64 (Python's decimal
# at 60 digits), one line each, x spread over exp's range and dense in
# tanh's branches. Run: python3 math64_ref.py > math64_ref.txt
import random
from decimal import Decimal, getcontext

getcontext().prec = 60
random.seed(22)
xs = [random.uniform(-745.1, 709.78) for _ in range(3000)]
xs += [random.uniform(-3, 3) for _ in range(3000)]
xs += [random.uniform(-0.7, 0.7) for _ in range(1000)]
xs += [random.uniform(-1e-6, 1e-6) for _ in range(200)]
xs += [random.uniform(-45, 45) for _ in range(1000)]
for x in xs:
    d = Decimal(x)
    e = d.exp()
    e2 = (2 * d).exp()
    t = (e2 - 1) / (e2 + 1)
    print(repr(x), repr(float(e)), repr(float(t)))
