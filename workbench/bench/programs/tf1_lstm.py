"""An LSTM language model built the way TensorFlow 1 programs build one: an embedding
lookup, an ``LSTMCell`` run over the sequence by ``dynamic_rnn``, a dense head, sparse
softmax cross-entropy, Adam, a ``Session``.

Written for TensorFlow 1, plainly, and not tuned to the workbench: the benchmark runs it
with only its import pointed at ``workbench.static.compat.v1`` (see
``programs/__init__.py``). TensorFlow 2.16 and later keep these cells only with Keras 2,
so this file does not run on the TensorFlow installed beside the workbench."""

import tensorflow.compat.v1 as tf


class Model:
    def __init__(self, vocab, embed, hidden, steps, learning_rate, epsilon):
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.inputs = tf.placeholder(tf.int64, [None, steps], name="inputs")
            self.targets = tf.placeholder(tf.int64, [None, steps], name="targets")
            embedding = tf.get_variable("embedding", [vocab, embed])
            embedded = tf.nn.embedding_lookup(embedding, self.inputs)
            cell = tf.nn.rnn_cell.LSTMCell(hidden, forget_bias=0.0)
            outputs, _ = tf.nn.dynamic_rnn(cell, embedded, dtype=tf.float32)
            logits = tf.layers.dense(tf.reshape(outputs, [-1, hidden]), vocab)
            labels = tf.reshape(self.targets, [-1])
            self.loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            )
            optimizer = tf.train.AdamOptimizer(learning_rate, epsilon=epsilon)
            self.train_op = optimizer.minimize(self.loss)
            self.init = tf.global_variables_initializer()
            self.variables = {v.name: v for v in tf.global_variables()}


def train_step(sess, model, inputs, targets):
    loss, _ = sess.run([model.loss, model.train_op], {model.inputs: inputs, model.targets: targets})
    return loss
