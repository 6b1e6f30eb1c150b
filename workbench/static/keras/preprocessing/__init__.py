"""``keras.preprocessing`` (Keras 2's home of the sequence helpers)."""

from types import SimpleNamespace

from workbench.static.keras import image_generator, image_utils
from workbench.static.keras.preprocessing import sequence, text

image = SimpleNamespace(
    load_img=image_utils.load_img,
    img_to_array=image_utils.img_to_array,
    array_to_img=image_utils.array_to_img,
    save_img=image_utils.save_img,
    ImageDataGenerator=image_generator.ImageDataGenerator,
    NumpyArrayIterator=image_generator.NumpyArrayIterator,
    DirectoryIterator=image_generator.DirectoryIterator,
    apply_affine_transform=image_generator.apply_affine_transform,
)

__all__ = ["image", "sequence", "text"]
