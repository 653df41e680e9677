# Makes the .npy fixtures of npy_test.go. Run from this directory:
#     python3 make_npy.py
# They were made with numpy 1.24.2 (Debian 12's python3-numpy). The tests
# read the files and do not need Python.
import numpy as np
from numpy.lib import format as F


def save(name, a, version=None):
    with open(name, 'wb') as f:
        if version is None:
            np.save(f, a)
        else:
            F.write_array(f, a, version=version)


a = np.array([[1.0, -2.5], [1/3, 1e-300], [7.0, -0.0]])
save('f8.npy', a.astype('<f8'))
save('f4.npy', a.astype('<f4'))
save('u1.npy', np.array([[0, 17, 255], [128, 1, 2]], dtype='|u1'))
save('i4_1d.npy', np.array([-3, 0, 2147483647, -2147483648, 5], dtype='<i4'))
save('i8.npy', np.array([[-(2**53), 2**53], [-1, 9]], dtype='<i8'))
save('f8_v2.npy', a.astype('<f8'), version=(2, 0))
save('f8_v3.npy', a.astype('<f8'), version=(3, 0))
save('fortran.npy', np.asfortranarray(np.arange(6.0).reshape(2, 3)))
save('3d.npy', np.zeros((2, 3, 4)))
save('c16.npy', np.ones((2, 2), dtype='<c16'))
save('big_endian.npy', np.ones((2, 2), dtype='>f8'))
save('nan.npy', np.array([[1.0, 2.0], [np.nan, 4.0]]))
save('inf_f4.npy', np.array([[1.0, 2.0], [3.0, -np.inf]], dtype='<f4'))
save('scalar.npy', np.float64(3.0))
save('empty.npy', np.zeros((0, 2)))
save('structured.npy', np.zeros(3, dtype=[('x', '<f8'), ('y', '<i4')]))
np.savez('arrays.npz', a=a)
