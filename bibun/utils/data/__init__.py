"""bibun.utils.data: Dataset, TensorDataset, Subset, random_split, DataLoader and samplers."""
from .dataset import Dataset, TensorDataset, Subset, ConcatDataset, random_split
from .dataloader import DataLoader, default_collate
from .sampler import SequentialSampler, RandomSampler, SubsetRandomSampler
