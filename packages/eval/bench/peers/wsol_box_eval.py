"""wsolevaluation's BoxEvaluator (Choe et al., CVPR 2020; github.com/clovaai/wsolevaluation,
evaluation.py and util.py) as a whole process: MaxBoxAccV2 over a wsolevaluation metadata folder
and a folder of <image_id>.npy score maps, with its own functions (cv2 contours per threshold,
multiple IoU, counts per threshold), numpy and OpenCV only. The peer of `cam-localize eval --cams`
in `pnpm bench startup`; prints one JSON line.

usage: wsol_box_eval.py METADATA_DIR CAMS_DIR [--size 224]
"""
import json
import os
import sys
import time

import cv2
import numpy as np

start = time.time()
metadata, cams = sys.argv[1], sys.argv[2]
size = int(sys.argv[sys.argv.index('--size') + 1]) if '--size' in sys.argv else 224
cam_curve_interval = 0.001
iou_thresholds = [30, 50, 70]


def read_lines(name):
    with open(os.path.join(metadata, name)) as f:
        return [line.strip() for line in f if line.strip()]


image_ids = read_lines('image_ids.txt')
sizes = {}
for line in read_lines('image_sizes.txt'):
    image_id, w, h = line.split(',')
    sizes[image_id] = (int(w), int(h))
boxes = {}
for line in read_lines('localization.txt'):
    image_id, x0, y0, x1, y1 = line.split(',')
    boxes.setdefault(image_id, []).append([float(x0), float(y0), float(x1), float(y1)])


def resize_bbox(box, image_size, resize_size):
    # wsolevaluation's data_loaders.get_bounding_boxes / resize_bbox
    w_ratio = float(resize_size[0]) / image_size[0]
    h_ratio = float(resize_size[1]) / image_size[1]
    return [int(box[0] * w_ratio), int(box[1] * h_ratio), int(box[2] * w_ratio), int(box[3] * h_ratio)]


def normalize_scoremap(cam):
    if np.isnan(cam).any():
        return np.zeros_like(cam)
    if cam.min() == cam.max():
        return np.zeros_like(cam)
    cam -= cam.min()
    cam /= cam.max()
    return cam


def calculate_multiple_iou(box_a, box_b):
    box_a = np.array(box_a)
    box_b = np.array(box_b)
    num_a = len(box_a)
    num_b = len(box_b)
    box_a = np.tile(box_a, num_b)
    box_a = np.expand_dims(box_a, axis=1).reshape((num_a, num_b, -1))
    box_b = np.tile(box_b, num_a)
    box_b = np.expand_dims(box_b, axis=1).reshape((num_b, num_a, -1)).transpose(1, 0, 2)
    min_x = np.maximum(box_a[:, :, 0], box_b[:, :, 0])
    min_y = np.maximum(box_a[:, :, 1], box_b[:, :, 1])
    max_x = np.minimum(box_a[:, :, 2], box_b[:, :, 2])
    max_y = np.minimum(box_a[:, :, 3], box_b[:, :, 3])
    area_inter = np.maximum(0, (max_x - min_x + 1)) * np.maximum(0, (max_y - min_y + 1))
    area_a = (box_a[:, :, 2] - box_a[:, :, 0] + 1) * (box_a[:, :, 3] - box_a[:, :, 1] + 1)
    area_b = (box_b[:, :, 2] - box_b[:, :, 0] + 1) * (box_b[:, :, 3] - box_b[:, :, 1] + 1)
    return area_inter / (area_a + area_b - area_inter)


def compute_bboxes_from_scoremaps(scoremap, scoremap_threshold_list, multi_contour_eval=False):
    height, width = scoremap.shape
    scoremap_image = np.expand_dims((scoremap * 255).astype(np.uint8), 2)

    def scoremap2bbox(threshold):
        _, thr_gray_heatmap = cv2.threshold(
            src=scoremap_image, thresh=int(threshold * np.max(scoremap_image)), maxval=255, type=cv2.THRESH_BINARY
        )
        contours = cv2.findContours(image=thr_gray_heatmap, mode=cv2.RETR_TREE, method=cv2.CHAIN_APPROX_SIMPLE)[0]
        if len(contours) == 0:
            return np.asarray([[0, 0, 0, 0]]), 1
        if not multi_contour_eval:
            contours = [max(contours, key=cv2.contourArea)]
        estimated_boxes = []
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            x0, y0, x1, y1 = x, y, x + w, y + h
            x1 = min(x1, width - 1)
            y1 = min(y1, height - 1)
            estimated_boxes.append([x0, y0, x1, y1])
        return estimated_boxes, len(contours)

    estimated_boxes_at_each_thr = []
    number_of_box_list = []
    for threshold in scoremap_threshold_list:
        boxes_, number_of_box = scoremap2bbox(threshold)
        estimated_boxes_at_each_thr.append(boxes_)
        number_of_box_list.append(number_of_box)
    return estimated_boxes_at_each_thr, number_of_box_list


cam_threshold_list = list(np.arange(0, 1, cam_curve_interval))
num_correct = {iou: np.zeros(len(cam_threshold_list)) for iou in iou_thresholds}
cnt = 0
for image_id in image_ids:
    scoremap = np.load(os.path.join(cams, image_id + '.npy'))
    if scoremap.shape != (size, size):
        scoremap = cv2.resize(scoremap, (size, size), interpolation=cv2.INTER_CUBIC)
    scoremap = normalize_scoremap(scoremap.astype(np.float32))
    gt = [resize_bbox(b, sizes[image_id], (size, size)) for b in boxes[image_id]]
    boxes_at_thresholds, number_of_box_list = compute_bboxes_from_scoremaps(
        scoremap=scoremap, scoremap_threshold_list=cam_threshold_list, multi_contour_eval=True
    )
    boxes_at_thresholds = np.concatenate(boxes_at_thresholds, axis=0)
    multiple_iou = calculate_multiple_iou(np.array(boxes_at_thresholds), np.array(gt))
    idx = 0
    sliced_multiple_iou = []
    for nr_box in number_of_box_list:
        sliced_multiple_iou.append(max(multiple_iou.max(1)[idx:idx + nr_box]))
        idx += nr_box
    for threshold in iou_thresholds:
        correct_threshold_indices = np.where(np.asarray(sliced_multiple_iou) >= (threshold / 100))[0]
        num_correct[threshold][correct_threshold_indices] += 1
    cnt += 1
box_acc = {iou: float(np.max(num_correct[iou] * 100.0 / float(cnt))) for iou in iou_thresholds}
print(json.dumps({
    'images': cnt,
    'max_box_acc_v2': float(np.average(list(box_acc.values()))),
    'box_acc': box_acc,
    'seconds': time.time() - start,
}))
