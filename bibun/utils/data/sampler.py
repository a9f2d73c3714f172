"""Samplers: the order in which a DataLoader visits a dataset."""
from ...random import _gen


class SequentialSampler:
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(SequentialSampler):
    def __init__(self, data_source, generator=None):
        super().__init__(data_source)
        self.generator = generator

    def __iter__(self):
        return iter(_gen(self.generator).permutation(len(self.data_source)).tolist())


class SubsetRandomSampler:
    def __init__(self, indices, generator=None):
        self.indices, self.generator = list(indices), generator

    def __iter__(self):
        return (self.indices[i] for i in _gen(self.generator).permutation(len(self.indices)))

    def __len__(self):
        return len(self.indices)
