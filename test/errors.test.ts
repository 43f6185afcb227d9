/** Every typed error names itself (error.name), as the minified browser bundle needs: class names do not survive it. */
import * as errors from '../src/errors';

const classes = Object.entries(errors).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error);

test('the error classes are all checked', () => {
  expect(classes.map(([key]) => key)).toEqual(expect.arrayContaining(['PerceiverError', 'ImageError', 'HubError', 'CheckpointError']));
});

test.each(classes)('%s has name %s', (key, ErrorClass) => {
  const error = new (ErrorClass as new (message: string, reason?: string) => Error)('message', 'network');
  expect(error.name).toBe(key);
  expect(error).toBeInstanceOf(errors.PerceiverError);
});
