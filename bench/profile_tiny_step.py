"""Where the time of one 2-2-1 training step goes: each kernel timed in a compiled loop (ns per call).
Run: python3 bench/profile_tiny_step.py
"""
import numpy as np, time
from numba import njit
import loopnet as ln
from loopnet.kernels.backward import backpropagate
from loopnet.kernels.forward import feedforward, weighted_input, activate_layer
from loopnet.kernels.backward import output_error, hidden_error, weight_gradient
from loopnet.kernels.loss import loss_terms, count_correct
net = ln.Network([2, 2, 1], seed=0)
sp = net._spec
B=4; total=5
zeros=np.zeros(2); zbuf=np.empty(B*total); abuf=np.empty(B*total); dbuf=np.empty(B*total)
a0=np.array([[0,0],[0,1],[1,0],[1,1.]])
y=np.array([[0],[1],[1],[1.]]); grad=np.empty(net.n_params); sw=np.ones(4)
@njit
def bp(K, grad, theta, a0, y, sw, sizes, acts, has_bias, loss, zeros, zbuf, abuf, dbuf):
    s=0.0
    for i in range(K):
        s+=backpropagate(grad, theta, a0, y, sw, sizes, acts, has_bias, loss, zeros, zbuf, abuf, dbuf, 4, 4)
    return s
@njit
def ff(K, theta, a0, sizes, acts, has_bias, zeros, zbuf, abuf):
    for i in range(K):
        feedforward(theta, a0, sizes, acts, has_bias, zeros, zbuf, abuf, 4, 4)
W=np.random.random((2,2)); b=np.random.random(2); z=np.empty((4,2)); a=np.empty((4,2)); d=np.empty((4,2)); dW=np.empty((2,2))
@njit
def wi(K, z, W, b, a0):
    for i in range(K): weighted_input(z, W, b, a0)
@njit
def act(K, a, z):
    for i in range(K): activate_layer(a, z, 0)
@njit
def he(K, d, W, z, a):
    for i in range(K): hidden_error(d, W, d, z, a, 0)
@njit
def wg(K, dW, d, a):
    for i in range(K): weight_gradient(dW, d, a)
@njit
def lt(K, a, z, y, sw):
    s=0.0
    for i in range(K): s+=loss_terms(a, z, y, sw, 0, 1)
    return s
@njit
def cc(K, a, y):
    s=0
    for i in range(K): s+=count_correct(a, y, 2)
    return s
K=200000
y2=np.random.random((4,2))
for f,args in [(bp,(K,grad,net._theta,a0,y,sw,sp.sizes,sp.acts,sp.has_bias,sp.loss,zeros,zbuf,abuf,dbuf)),(ff,(K,net._theta,a0,sp.sizes,sp.acts,sp.has_bias,zeros,zbuf,abuf)),
               (wi,(K,z,W,b,a0)),(act,(K,a,z)),(he,(K,d,W,z,a)),(wg,(K,dW,d,a)),(lt,(K,a,z,y2,sw)),(cc,(K,a,y2))]:
    f(*args); t=time.perf_counter(); f(*args); print(f.__name__, round((time.perf_counter()-t)/K*1e9), "ns")
